# Reference values for sql/regression.sql (analytics.ols), computed with R's
# lm() and summary.lm(), independently of the C code.
#
#   Rscript test/reference/regression.R > /tmp/regression_ref.sql
#
# prints the INSERT INTO ref ... statements embedded in sql/regression.sql
# (between the "-- BEGIN R reference" and "-- END R reference" lines), then,
# as SQL comments, R's own LREs on the NIST StRD data sets for comparison.
# Every series is the same formula as in sql/regression.sql, evaluated in
# the same order of floating-point operations, so the inputs are identical
# to the last bit (sql/regression.sql prints a few of them to check).
# Numbers are printed with 17 significant digits.

noise <- function(i) ((i * i * 7919 + i * 104729) %% 1009 - 504) / 100
num <- function(v) ifelse(is.na(v), "NULL", sprintf("%.17g", v))

# one row of VALUES per item: coefN, seN, tN, pN (N from 1, intercept first),
# r_squared, adj_r_squared, sigma, f, n, kappa
items <- function(test, fit, with_kappa = TRUE) {
  s <- summary(fit)
  cf <- coef(fit)                     # NA for aliased coefficients
  k <- length(cf)
  tab <- matrix(NA_real_, k, 4)
  tab[!is.na(cf), ] <- coef(s)        # summary drops aliased rows
  out <- c()
  for (j in 1:k) {
    out <- c(out, sprintf("('%s', 'coef%d', %s)", test, j, num(tab[j, 1])),
                  sprintf("('%s', 'se%d', %s)", test, j, num(tab[j, 2])),
                  sprintf("('%s', 't%d', %s)", test, j, num(tab[j, 3])),
                  sprintf("('%s', 'p%d', %s)", test, j, num(tab[j, 4])))
  }
  out <- c(out,
    sprintf("('%s', 'r_squared', %s)", test, num(s$r.squared)),
    sprintf("('%s', 'adj_r_squared', %s)", test, num(s$adj.r.squared)),
    sprintf("('%s', 'sigma', %s)", test, num(s$sigma)),
    sprintf("('%s', 'f', %s)", test, num(s$fstatistic[["value"]])),
    sprintf("('%s', 'n', %s)", test, num(nobs(fit))))
  if (with_kappa)
    out <- c(out, sprintf("('%s', 'kappa', %s)", test, num(kappa(model.matrix(fit), exact = TRUE))))
  out
}

# multi: 30 rows, three regressors
i <- 1:30
x1 <- i * 1.0
x2 <- ((i * 37) %% 23) / 4
x3 <- ((i * i * 13) %% 29 - 14) / 7
y <- 3 + 2 * x1 - 1.5 * x2 + 0.25 * x3 + noise(i)
multi <- data.frame(i, x1, x2, x3, y)

rows <- c(
  items("multi", lm(y ~ x1 + x2 + x3, multi)),
  items("no_intercept", lm(y ~ 0 + x1 + x2, multi)),
  # x2 = 2 * x1 exactly: lm aliases the later column (NA)
  items("rank_deficient", lm(y ~ x1 + I(2 * x1) + x3, multi), with_kappa = FALSE))

# long: 60 rows, 57 degrees of freedom, t of x1 about 21 (the middle of the
# tail, where an approximation of Student's t for many degrees of freedom
# loses digits)
i <- 1:60
x1 <- i * 1.0
x2 <- ((i * 37) %% 23) / 4
y <- 3 + 0.5 * x1 - 0.5 * x2 + noise(i)
rows <- c(rows, items("long", lm(y ~ x1 + x2)))

# grouped: three groups of 20 rows, y on (i, i % 5)
for (g in 1:3) {
  i <- 1:20
  x1 <- i * 1.0
  x2 <- (i %% 5) * 1.0
  y <- g * 10 + (2 - g) * x1 + 0.5 * x2 + noise(i + 100 * g)
  rows <- c(rows, items(sprintf("group%d", g), lm(y ~ x1 + x2)))
}

# the 5-row hand example (the SQL checks it against closed forms; R agrees)
hx <- c(1, 2, 3, 4, 5); hy <- c(2, 4, 5, 4, 5)
hand <- lm(hy ~ hx)
stopifnot(abs(coef(hand) - c(2.2, 0.6)) < 1e-12,
          abs(summary(hand)$sigma - sqrt(0.8)) < 1e-12,
          abs(coef(summary(hand))[2, 4] -
              (1 - 2 / pi * (atan(3 / sqrt(6)) + (3 / sqrt(2)) * sqrt(3) / (3 + 4.5)))) < 1e-12,
          abs(kappa(model.matrix(hand), exact = TRUE) -
              sqrt((30 + sqrt(850)) / (30 - sqrt(850)))) < 1e-12)

cat("INSERT INTO ref (test, item, value) VALUES\n")
cat(paste0("\t", rows, collapse = ",\n"), ";\n", sep = "")

# R's own accuracy on the NIST StRD data sets (for comparison in reports)
lre <- function(est, cert) {
  v <- ifelse(cert == 0, -log10(abs(est)), -log10(abs(est - cert) / abs(cert)))
  v[is.na(v) | est == cert] <- 15
  pmin(15, pmax(0, v))
}
nist <- function(name) {
  path <- file.path(dirname(sub("--file=", "", grep("--file=", commandArgs(FALSE), value = TRUE))),
                    "..", "data", "nist", paste0(name, ".dat"))
  l <- sub("[ \r]+$", "", readLines(path))
  rng <- function(what) as.integer(regmatches(grep(what, l, value = TRUE)[1],
                                    gregexpr("[0-9]+", grep(what, l, value = TRUE)[1]))[[1]])
  cr <- rng("Certified Values"); dr <- rng("^ *Data +\\(lines")
  cert <- l[cr[1]:cr[2]]
  b <- do.call(rbind, lapply(strsplit(trimws(grep("^ *B[0-9]+ ", cert, value = TRUE)), " +"),
                             function(v) as.numeric(v[2:3])))
  sd <- as.numeric(sub(".*Deviation +", "", grep("^ *Standard Deviation +[-0-9]", cert, value = TRUE)))
  r2 <- as.numeric(sub(".*R-Squared +", "", grep("^ *R-Squared", cert, value = TRUE)))
  d <- do.call(rbind, lapply(strsplit(trimws(l[dr[1]:dr[2]]), " +"), as.numeric))
  yv <- d[, 1]
  model <- grep("^ *y = ", l, value = TRUE)[1]
  icpt <- grepl("B0", model)
  if (ncol(d) > 2) X <- d[, -1] else X <- outer(d[, 2], seq_len(nrow(b) - icpt), "^")
  fit <- if (icpt) lm(yv ~ X) else lm(yv ~ 0 + X)
  s <- summary(fit)
  se <- rep(NA_real_, nrow(b)); se[!is.na(coef(fit))] <- coef(s)[, 2]
  sprintf("-- %-9s estimates %4.1f  std errors %4.1f  sigma %4.1f  R2 %4.1f%s", name,
          min(lre(coef(fit), b[, 1])), min(lre(se, b[, 2])), lre(s$sigma, sd), lre(s$r.squared, r2),
          if (any(is.na(coef(fit)))) "  (lm aliased a coefficient)" else "")
}
cat("-- R", R.version$major, ".", R.version$minor, " lm() on the NIST StRD data (LRE, capped at 15):\n", sep = "")
for (name in c("Norris", "Pontius", "NoInt1", "NoInt2", "Longley", "Wampler1", "Wampler2",
               "Wampler3", "Wampler4", "Wampler5", "Filip"))
  cat(nist(name), "\n", sep = "")
