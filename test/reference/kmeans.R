# Reference values for sql/kmeans.sql: R's kmeans with Lloyd's algorithm from
# fixed starting centres. Run: Rscript test/reference/kmeans.R
x <- matrix(c(1, 1.5, 3, 5, 3.5, 4.5, 3.5, 1, 2, 4, 7, 5, 5, 4.5), ncol = 2)
fit <- kmeans(x, centers = matrix(c(1, 5, 1, 7), ncol = 2), algorithm = "Lloyd", iter.max = 100)
options(digits = 17)
print(fit$centers)
print(fit$cluster)
fit3 <- kmeans(x, centers = x[c(1, 3, 4), ], algorithm = "Lloyd", iter.max = 100)
print(fit3$centers)
print(fit3$cluster)
