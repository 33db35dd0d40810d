# Reference values for sql/comparisons.sql. Run: Rscript test/reference/comparisons.R
x <- c(1, 2, 3, 4, 5); y <- c(3, 4, 7, 8, 11); z <- c(5, 3, 4, 1, 2)
cat(sprintf("r_xy %.12f p %.12f\n", cor(x, y), cor.test(x, y)$p.value))
cat(sprintf("r_xz %.12f p %.12f\n", cor(x, z), cor.test(x, z)$p.value))
cat(sprintf("r_yz %.12f p %.12f\n", cor(y, z), cor.test(y, z)$p.value))
fit <- lm(y ~ x)
cat(sprintf("y ~ x: %.12f %.12f r2 %.12f\n", coef(fit)[1], coef(fit)[2], summary(fit)$r.squared))
# anomalies (analytics.zscore: the day against the other days of its frame,
# here the 6 days before it)
w <- c(10, 10, 12, 8, 10, 10)
cat(sprintf("spike z %.12f\n", (50 - mean(w)) / sd(w)))
w5 <- c(10, 10, 12, 8, 10)
cat(sprintf("day 6 z %.12f\n", (10 - mean(w5)) / sd(w5)))
