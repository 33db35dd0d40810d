# Reference values for sql/goals.sql (R's lm): the forecast of goal A's
# total over its remaining days and the interval of that total.
# Run: Rscript test/reference/goals_forecast.R
# Daily values of the complete days 2026-03-02 .. 2026-03-12 (t = 0 .. 10):
y <- c(5.5, 7.25, 6.0, 8.5, 7.75, 9.0, 10.5, 9.25, 11.0, 12.5, 11.75)
t <- 0:10
fit <- lm(y ~ t)
# the remaining days 2026-03-13 .. 2026-03-31: t = 11 .. 29
X0 <- cbind(1, 11:29)
u <- colSums(X0)
total <- sum(X0 %*% coef(fit))
v <- summary(fit)$sigma^2 * nrow(X0) + drop(t(u) %*% vcov(fit) %*% u)
q <- qt(0.975, df.residual(fit))
sofar <- sum(y)
options(digits = 17)
cat(sprintf("total %.12f lower %.12f upper %.12f\n", total, total - q * sqrt(v), total + q * sqrt(v)))
cat(sprintf("forecast %.12f lower %.12f upper %.12f\n", sofar + total, sofar + total - q * sqrt(v), sofar + total + q * sqrt(v)))
# the same at confidence 0.8
q8 <- qt(0.9, df.residual(fit))
cat(sprintf("total80 lower %.12f upper %.12f\n", total - q8 * sqrt(v), total + q8 * sqrt(v)))
# the first day the projected running total reaches 300: cumulative daily forecasts from t = 11
p <- cbind(1, 11:400) %*% coef(fit)
k <- which(sofar + cumsum(p) >= 300)[1]
cat(sprintf("completion %s\n", format(as.Date("2026-03-13") + k - 1)))
# goal f (ends 03-13: one day left, t = 11): 99 + the forecast of that day
x1 <- c(1, 11)
y1 <- sum(x1 * coef(fit))
v1 <- summary(fit)$sigma^2 * (1 + drop(t(x1) %*% vcov(fit) %*% x1) / summary(fit)$sigma^2)
cat(sprintf("f forecast %.12f lower %.12f upper %.12f\n", sofar + y1, sofar + y1 - q * sqrt(v1), sofar + y1 + q * sqrt(v1)))
# goal e (1000): the first day the projected running total reaches it
k2 <- which(sofar + cumsum(p) >= 1000)[1]
cat(sprintf("e completion %s\n", format(as.Date("2026-03-13") + k2 - 1)))
k3 <- which(sofar + cumsum(p) >= 200)[1]
cat(sprintf("f completion %s\n", format(as.Date("2026-03-13") + k3 - 1)))
cat(sprintf("fit %s\n", paste(coef(fit), collapse=" ")), sprintf("s %.6f\n", summary(fit)$sigma))
