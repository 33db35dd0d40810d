# Reference values for sql/forecast.sql (analytics.linear_forecast,
# trend_summary and detect_season), computed with R independently of the C code.
#
#   Rscript test/reference/forecast.R > /tmp/forecast_ref.sql
#
# prints the INSERT statements embedded in sql/forecast.sql between the
# "-- BEGIN R reference" and "-- END R reference" lines. Each series is the
# formula of sql/forecast.sql evaluated in the same order of floating-point
# operations (sql/forecast.sql prints a few values to check). The model is
# the one the spec states:
#   t: for a step without months, (ts - first ts) in seconds / step seconds;
#      for a step of months only, [12 dyear + dmonth + (dday + dtime/86400 s)/31] / months
#   linear_forecast: lm(y ~ t) or lm(y ~ t + factor(floor(t) %% s)), then
#      predict(fit, newdata, interval = "prediction", level = confidence) at
#      last ts + h * step
#   trend_summary: summary(lm(y ~ t))
#   detect_season: acf() of the residuals of lm(y ~ t), lags 2..min(n/2, 400),
#      local maxima above max(0.3, 1.96/sqrt(n)), the highest wins
# Numbers are printed with 17 significant digits.

noise <- function(i) ((i * i * 7919 + i * 104729) %% 1009 - 504) / 100
num <- function(v) ifelse(is.na(v), "NULL", sprintf("%.17g", v))

# timestamps are kept as UTC POSIXct; month arithmetic by components
utc <- function(y, mo, d, h = 0, mi = 0, s = 0)
  ISOdatetime(y + (mo - 1) %/% 12, (mo - 1) %% 12 + 1, d, h, mi, s, tz = "UTC")
add_months <- function(ts, k) {
  lt <- as.POSIXlt(ts, tz = "UTC")      # days of month stay <= 28 here: no clamping
  utc(lt$year + 1900, lt$mon + 1 + k, lt$mday, lt$hour, lt$min, lt$sec)
}
fmt <- function(ts) format(ts, "%Y-%m-%d %H:%M:%S+00", tz = "UTC")

# step: list(secs = ...) or list(months = ...)
tsteps <- function(ts, t0, step) {
  if (!is.null(step$secs))
    return(as.numeric(difftime(ts, t0, units = "secs")) / step$secs)
  a <- as.POSIXlt(ts, tz = "UTC"); b <- as.POSIXlt(t0, tz = "UTC")
  tod <- function(x) x$hour * 3600 + x$min * 60 + x$sec
  (12 * (a$year - b$year) + (a$mon - b$mon) +
     ((a$mday - b$mday) + (tod(a) - tod(b)) / 86400) / 31) / step$months
}
ahead <- function(last, h, step)
  if (!is.null(step$secs)) last + h * step$secs else add_months(last, h * step$months)

detect <- function(ts, y, step) {
  o <- order(ts); ts <- ts[o]; y <- y[o]
  t <- tsteps(ts, ts[1], step)
  e <- residuals(lm(y ~ t)); n <- length(e)
  K <- min(floor(n / 2), 400)
  r <- acf(e, lag.max = K + 1, plot = FALSE)$acf[-1]
  # the same by the formula of the spec
  d <- e - mean(e)
  r2 <- sapply(1:(K + 1), function(k) sum(d[1:(n - k)] * d[(1 + k):n]) / sum(d^2))
  stopifnot(abs(r - r2) < 1e-12)
  thr <- max(0.3, 1.96 / sqrt(n)); period <- 0; strength <- NA
  for (k in 2:K)
    if (r[k] > r[k - 1] && r[k] >= r[k + 1] && r[k] > thr && (period == 0 || r[k] > strength)) {
      period <- k; strength <- r[k]
    }
  list(period = period, strength = strength)
}

out <- c(); out_text <- c()
add <- function(test, item, v) out <<- c(out, sprintf("('%s', '%s', %s)", test, item, num(v)))
add_text <- function(test, item, v) out_text <<- c(out_text, sprintf("('%s', '%s', '%s')", test, item, v))

forecast <- function(test, ts, y, horizon, step, confidence = 0.95, season = 0) {
  t0 <- min(ts)
  t <- tsteps(ts, t0, step)
  if (season == -1) season <- detect(ts, y, step)$period
  last <- max(ts)
  fts <- do.call(c, lapply(1:horizon, function(h) ahead(last, h, step)))
  ft <- tsteps(fts, t0, step)
  if (season >= 2) {
    pos <- factor(floor(t) %% season, levels = 0:(season - 1))
    fit <- lm(y ~ t + pos)
    new <- data.frame(t = ft, pos = factor(floor(ft) %% season, levels = 0:(season - 1)))
  } else {
    fit <- lm(y ~ t)
    new <- data.frame(t = ft)
  }
  p <- predict(fit, new, interval = "prediction", level = confidence)
  for (h in 1:horizon) {
    add_text(test, sprintf("ts%d", h), fmt(fts[h]))
    add(test, sprintf("forecast%d", h), p[h, "fit"])
    add(test, sprintf("lower%d", h), p[h, "lwr"])
    add(test, sprintf("upper%d", h), p[h, "upr"])
  }
  invisible(season)
}

trend <- function(test, ts, y, step) {
  t <- tsteps(ts, min(ts), step)
  s <- summary(lm(y ~ t))
  cf <- coef(s)
  add(test, "n", length(y))
  add(test, "slope", cf["t", 1])
  add(test, "intercept", cf["(Intercept)", 1])
  add(test, "slope_stderr", cf["t", 2])
  add(test, "slope_p_value", cf["t", 4])
  add(test, "r_squared", s$r.squared)
  add(test, "sigma", s$sigma)
  add_text(test, "direction",
           if (cf["t", 4] < 0.05) (if (cf["t", 1] > 0) "increasing" else "decreasing") else "stable")
}

season <- function(test, ts, y, step) {
  d <- detect(ts, y, step)
  add(test, "period", d$period)
  add(test, "strength", d$strength)
  d$period
}

day <- list(secs = 86400); hour <- list(secs = 3600); week <- list(secs = 7 * 86400)
month <- list(months = 1); quarter <- list(months = 3); year <- list(months = 12)

# daily_trend: 60 days from 2026-01-01, trend and noise
i <- 0:59
daily_trend <- list(i = i, ts = utc(2026, 1, 1) + i * 86400, y = 50 + 0.8 * i + noise(i))
# monthly: 48 months on the 1st from 2022-01, trend, yearly cycle, noise
i <- 0:47
monthly <- list(i = i, ts = utc(2022, 1 + i, 1), y = 200 + 1.5 * i + 20 * sin(2 * pi * i / 12) + noise(i))
# weekly: 70 days from 2026-02-02, trend, weekly cycle, noise
i <- 0:69
weekly <- list(i = i, ts = utc(2026, 2, 2) + i * 86400, y = 100 + 0.3 * i + 8 * cos(2 * pi * i / 7) + noise(i))
# irregular: days 0..44 except i % 6 = 5, at (5 i) % 24 hours
i <- (0:44)[(0:44) %% 6 != 5]
irregular <- list(i = i, ts = utc(2026, 3, 1) + i * 86400 + ((i * 5) %% 24) * 3600, y = 10 + 0.5 * i + noise(i))
# monthly_offgrid: 36 months from 2024-01-15 06:00, plus i % 4 days and (i % 3) * 6 hours
i <- 0:35
monthly_offgrid <- list(i = i, ts = utc(2024, 1 + i, 15, 6) + (i %% 4) * 86400 + (i %% 3) * 6 * 3600,
                        y = 80 - 0.7 * i + 5 * sin(2 * pi * i / 12) + noise(i) / 2)
# noise: 50 days of noise around 20
i <- 0:49
noisy <- list(i = i, ts = utc(2026, 1, 1) + i * 86400, y = 20 + noise(i))
# hourly: 72 hours, decreasing
i <- 0:71
hourly <- list(i = i, ts = utc(2026, 1, 1) + i * 3600, y = 500 - 2.5 * i + noise(i) * 3)
# quarterly: 24 quarters from 2015-01-01
i <- 0:23
quarterly <- list(i = i, ts = utc(2015, 1 + 3 * i, 1), y = 1000 + 12 * i + noise(i) * 2)
# yearly: 20 years on July 1st from 2000
i <- 0:19
yearly <- list(i = i, ts = utc(2000 + i, 7, 1), y = 3 - 0.05 * i + noise(i) / 10)
# pure_trend: 60 days, a line
i <- 0:59
pure_trend <- list(i = i, ts = utc(2026, 1, 1) + i * 86400, y = 5 + 2 * i)

# long_weekly: 1000 days, a weak weekly cycle (lags up to 400 are looked at)
i <- 0:999
long_weekly <- list(i = i, ts = utc(2020, 1, 1) + i * 86400, y = 100 + 0.05 * i + 3 * sin(2 * pi * i / 7) + noise(i))
# long_cycle: 1000 days of a cycle of 420 days; its autocorrelation's only
# local maximum is at lag 417, beyond the 400 looked at
long_cycle <- list(i = i, ts = utc(2020, 1, 1) + i * 86400, y = 10 * sin(2 * pi * i / 420))
r <- acf(residuals(lm(long_cycle$y ~ i)), lag.max = 500, plot = FALSE)$acf[-1]
stopifnot(which.max(r[300:500]) + 299 == 417,
          !any(sapply(2:400, function(k) r[k] > r[k - 1] && r[k] >= r[k + 1])))

with(daily_trend, forecast("daily_trend", ts, y, 5, day))
with(daily_trend, forecast("daily_trend_weeks", ts, y, 2, week))
with(monthly, forecast("monthly_season12", ts, y, 12, month, 0.9, 12))
stopifnot(with(weekly, forecast("weekly_detected", ts, y, 14, day, 0.95, -1)) == 7)
with(irregular, forecast("irregular", ts, y, 3, day, 0.8, 0))
with(irregular, forecast("irregular_season7", ts, y, 10, day, 0.95, 7))
with(monthly_offgrid, forecast("monthly_offgrid", ts, y, 6, month, 0.95, 12))
stopifnot(with(noisy, forecast("noise_detected", ts, y, 4, day, 0.99, -1)) == 0)

with(daily_trend, trend("daily_trend", ts, y, day))
with(hourly, trend("hourly", ts, y, hour))
with(hourly, trend("hourly_per_day", ts, y, day))
with(noisy, trend("noise_weeks", ts, y, week))
with(quarterly, trend("quarterly", ts, y, quarter))
with(yearly, trend("yearly", ts, y, year))
with(monthly_offgrid, trend("monthly_offgrid", ts, y, month))

stopifnot(with(monthly, season("monthly", ts, y, month)) == 12,
          with(weekly, season("weekly", ts, y, day)) == 7,
          with(noisy, season("noise", ts, y, day)) == 0,
          with(daily_trend, season("daily_trend", ts, y, day)) == 0,
          with(long_weekly, season("long_weekly", ts, y, day)) == 7,
          with(long_cycle, season("long_cycle", ts, y, day)) == 0)
# a straight line: residuals are rounding errors, so there is no season by
# definition (R's acf of those errors is meaningless); the SQL expects (0, NULL)

# a few inputs with all their digits: the SQL checks that its series are these
inputs <- c()
series <- list(daily_trend = daily_trend, monthly = monthly, weekly = weekly, irregular = irregular,
               monthly_offgrid = monthly_offgrid, noise = noisy, hourly = hourly,
               quarterly = quarterly, yearly = yearly, long_weekly = long_weekly,
               long_cycle = long_cycle)
for (name in names(series))
  with(series[[name]], for (k in which(i %in% c(0, 1, 5, 17, 33)))
    inputs <<- c(inputs, sprintf("('%s', %d, %s)", name, i[k], num(y[k]))))
cat("INSERT INTO ref_input (name, i, value) VALUES\n")
cat(paste0("\t", inputs, collapse = ",\n"), ";\n", sep = "")
cat("INSERT INTO ref (test, item, value) VALUES\n")
cat(paste0("\t", out, collapse = ",\n"), ";\n", sep = "")
cat("INSERT INTO ref_text (test, item, value) VALUES\n")
cat(paste0("\t", out_text, collapse = ",\n"), ";\n", sep = "")
