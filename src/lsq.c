/*-------------------------------------------------------------------------
 *
 * lsq.c
 *	  Least squares by square-root-free Givens updating (AS 274), shared
 *	  by regression and forecasting (see analytics.h).
 *
 * Copyright (C) 2026, the analytics authors. GPL-3.0-or-later.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <float.h>
#include <math.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_linalg.h>

#include "utils/float.h"

#include "analytics.h"

/* Where row i of U starts in the flat array (its element i + 1) */
static inline int
LsqRowStart(int p, int i)
{
	return i * (2 * p - i - 1) / 2;
}

/*
 * AS 274's INCLUD: each nonzero x[i] rotates the row against row i of the
 * factor; what is left of y when the weight is spent (or the row is through)
 * adds to the residual sum of squares.
 */
void
AnalyticsLsqInclude(double *f, int p, double w, double *x, double y)
{
	double	   *d = f;
	double	   *u = f + p;
	double	   *theta = u + p * (p - 1) / 2;
	double	   *sserr = theta + p;
	int			next = 0;

	for (int i = 0; i < p; i++)
	{
		double		xi = x[i];
		double		di,
					wxi,
					dpi,
					cbar,
					sbar,
					yk;

		if (w == 0.0)
			return;
		if (xi == 0.0)
		{
			next += p - i - 1;
			continue;
		}
		di = d[i];
		wxi = w * xi;
		dpi = di + wxi * xi;
		cbar = di / dpi;
		sbar = wxi / dpi;
		w *= cbar;
		d[i] = dpi;
		for (int k = i + 1; k < p; k++, next++)
		{
			double		xk = x[k];

			x[k] = xk - xi * u[next];
			u[next] = cbar * u[next] + sbar * xk;
		}
		yk = y;
		y = yk - xi * theta[i];
		theta[i] = cbar * theta[i] + sbar * yk;
	}
	*sserr += w * y * y;
}

/*
 * Stacking two factors and triangularising again: the rows of g, row i being
 * d_g[i] * (e_i + U_g[i]) with right-hand side theta_g[i], are rotated into f.
 */
void
AnalyticsLsqMerge(double *f, const double *g, int p)
{
	const double *d = g;
	const double *u = g + p;
	const double *theta = u + p * (p - 1) / 2;
	double		x[ANALYTICS_LSQ_MAX_P];

	if (p < 1 || p > ANALYTICS_LSQ_MAX_P)
		elog(ERROR, "least squares with %d coefficients is out of range", p);
	for (int i = 0; i < p; i++)
	{
		const double *row = u + LsqRowStart(p, i);

		if (d[i] == 0.0)
			continue;
		for (int k = 0; k < i; k++)
			x[k] = 0.0;
		x[i] = 1.0;
		for (int k = i + 1; k < p; k++)
			x[k] = row[k - i - 1];
		AnalyticsLsqInclude(f, p, d[i], x, theta[i]);
	}
	f[AnalyticsLsqSize(p) - 1] += g[AnalyticsLsqSize(p) - 1];
}

/*
 * Solve a factor (AS 274's TOLSET, SING and REGCF, on a copy): a column whose
 * part orthogonal to the columns before it has a norm of at most tol times
 * its own is aliased; its row of the factor is rotated into the rows after
 * it, which leaves the factor of the model without that column.
 * Everything is allocated in CurrentMemoryContext.
 */
void
AnalyticsLsqSolve(const double *f, int p, double tol, AnalyticsLsqFit *fit)
{
	int			size;
	double	   *c;
	double	   *d;
	double	   *u;
	double	   *theta;
	double	   *norm2;
	double		x[ANALYTICS_LSQ_MAX_P];
	int			r;

	if (p < 1 || p > ANALYTICS_LSQ_MAX_P)
		elog(ERROR, "least squares with %d coefficients is out of range", p);
	size = AnalyticsLsqSize(p);
	c = palloc(size * sizeof(double));
	d = c;
	u = c + p;
	theta = u + p * (p - 1) / 2;
	norm2 = palloc0(p * sizeof(double));
	memcpy(c, f, size * sizeof(double));
	fit->p = p;
	fit->aliased = palloc0(p * sizeof(bool));
	fit->beta = palloc0(p * sizeof(double));

	/* squared norms of the design's columns: those of D^(1/2) U */
	for (int i = 0; i < p; i++)
	{
		const double *row = u + LsqRowStart(p, i);

		norm2[i] += d[i];
		for (int k = i + 1; k < p; k++)
			norm2[k] += d[i] * row[k - i - 1] * row[k - i - 1];
	}

	for (int j = 0; j < p; j++)
	{
		double	   *row = u + LsqRowStart(p, j);
		double		w = d[j];

		if (norm2[j] > 0.0 && w > tol * tol * norm2[j])
			continue;
		fit->aliased[j] = true;
		d[j] = 0.0;
		if (w == 0.0)
			continue;
		for (int k = 0; k <= j; k++)
			x[k] = 0.0;
		for (int k = j + 1; k < p; k++)
		{
			x[k] = row[k - j - 1];
			row[k - j - 1] = 0.0;
		}
		AnalyticsLsqInclude(c, p, w, x, theta[j]);
		theta[j] = 0.0;
	}

	/* back substitution over the columns kept */
	for (int j = p - 1; j >= 0; j--)
	{
		const double *row = u + LsqRowStart(p, j);
		double		b;

		if (fit->aliased[j])
			continue;
		b = theta[j];
		for (int k = j + 1; k < p; k++)
			b -= row[k - j - 1] * fit->beta[k];
		fit->beta[j] = b;
	}
	fit->rss = c[size - 1];

	fit->rank = 0;
	for (int j = 0; j < p; j++)
		if (!fit->aliased[j])
			fit->rank++;
	r = fit->rank;
	fit->kept = palloc(Max(r, 1) * sizeof(int));
	fit->u = palloc0(Max(r * r, 1) * sizeof(double));
	fit->d = palloc(Max(r, 1) * sizeof(double));
	for (int j = 0, a = 0; j < p; j++)
		if (!fit->aliased[j])
			fit->kept[a++] = j;
	for (int a = 0; a < r; a++)
	{
		int			i = fit->kept[a];
		const double *row = u + LsqRowStart(p, i);

		fit->d[a] = d[i];
		fit->u[a * r + a] = 1.0;
		for (int b = a + 1; b < r; b++)
			fit->u[a * r + b] = row[fit->kept[b] - i - 1];
	}
	pfree(norm2);
	pfree(c);
}

/*
 * x0' (X'X)^-1 x0 over the columns kept (x0 has p elements): with
 * X'X = U' D U, it is |D^(-1/2) v|^2 where U'v = x0.
 */
double
AnalyticsLsqQuad(const AnalyticsLsqFit *fit, const double *x0)
{
	int			r = fit->rank;
	double		v[ANALYTICS_LSQ_MAX_P];
	gsl_matrix_const_view uv = gsl_matrix_const_view_array(fit->u, r, r);
	gsl_vector_view vv = gsl_vector_view_array(v, r);
	double		q = 0.0;

	for (int a = 0; a < r; a++)
		v[a] = x0[fit->kept[a]];
	AnalyticsGslCheck(gsl_blas_dtrsv(CblasUpper, CblasTrans, CblasUnit, &uv.matrix, &vv.vector),
					  "triangular solve");
	for (int a = 0; a < r; a++)
		q += v[a] * v[a] / fit->d[a];
	return q;
}

/*
 * The 2-norm condition number of the design's kept columns: that of
 * R = D^(1/2) U, from its singular values.
 */
double
AnalyticsLsqCondition(const AnalyticsLsqFit *fit)
{
	int			r = fit->rank;
	double	   *a = palloc(r * r * sizeof(double));
	double	   *v = palloc(r * r * sizeof(double));
	double	   *s = palloc(r * sizeof(double));
	double	   *work = palloc(r * sizeof(double));
	gsl_matrix_view av = gsl_matrix_view_array(a, r, r);
	gsl_matrix_view vv = gsl_matrix_view_array(v, r, r);
	gsl_vector_view sv = gsl_vector_view_array(s, r);
	gsl_vector_view wv = gsl_vector_view_array(work, r);
	double		cond;

	for (int i = 0; i < r; i++)
	{
		double		sd = sqrt(fit->d[i]);

		for (int k = 0; k < r; k++)
			a[i * r + k] = sd * fit->u[i * r + k];
	}
	AnalyticsGslCheck(gsl_linalg_SV_decomp(&av.matrix, &vv.matrix, &sv.vector, &wv.vector),
					  "singular value decomposition");
	cond = s[r - 1] > 0.0 ? s[0] / s[r - 1] : get_float8_infinity();
	pfree(a);
	pfree(v);
	pfree(s);
	pfree(work);
	return cond;
}
