# Reference values for sql/predictions.sql (R's lm and predict): daily
# values 10 + 2 i + (-1)^i for i = 0 .. 29 (2026-01-01 .. 01-30), the
# predictions for i = 30 .. 32 (01-31 .. 02-02) at 95% and 80%.
# Run: Rscript test/reference/predictions.R
i <- 0:29
y <- 10 + 2 * i + (-1)^i
fit <- lm(y ~ i)
s <- summary(fit)
cat(sprintf("slope %.12f intercept %.12f r2 %.12f p %.3e\n", coef(fit)[2], coef(fit)[1], s$r.squared, s$coefficients[2, 4]))
for (lev in c(0.95, 0.8)) {
	p <- predict(fit, data.frame(i = 30:32), interval = "prediction", level = lev)
	for (k in 1:3) cat(sprintf("%.2f %d fit %.12f lwr %.12f upr %.12f\n", lev, 29 + k, p[k, 1], p[k, 2], p[k, 3]))
}
