/*-------------------------------------------------------------------------
 *
 * exact_sum.c
 *	  Exact sums of doubles and of products of doubles ("small
 *	  superaccumulators"), kept by analytics.zscore (see analytics.h).
 *
 * Copyright (C) 2026, the analytics authors. GPL-3.0-or-later.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "analytics.h"

#define EXACT_SUM_MAX_ADDS	(INT64CONST(1) << 30)
#define CHUNK_MASK			INT64CONST(0xFFFFFFFF)
#define CHUNK_RADIX			INT64CONST(0x100000000)

void
ExactSumInit(ExactSum *s, int64 *chunks, int nchunks, int low_exp)
{
	s->lo = nchunks;
	s->hi = -1;
	s->nchunks = nchunks;
	s->low_exp = low_exp;
	s->adds = 0;
	s->chunk = chunks;
}

static inline void
ExactSumSetEmpty(ExactSum *s)
{
	s->lo = s->nchunks;
	s->hi = -1;
}

/* A copy of src in dst, using chunks (room for src->nchunks): O(chunks in use) */
void
ExactSumCopy(ExactSum *dst, int64 *chunks, const ExactSum *src)
{
	*dst = *src;
	dst->chunk = chunks;
	if (src->hi >= src->lo)
		memcpy(chunks + src->lo, src->chunk + src->lo, (src->hi - src->lo + 1) * sizeof(int64));
}

/* Propagate the carries and trim the range to the nonzero chunks */
void
ExactSumNormalize(ExactSum *s)
{
	int64		carry = 0;

	s->adds = 0;
	if (s->hi < s->lo)
		return;
	for (int i = s->lo; i <= s->hi; i++)
	{
		int64		c = s->chunk[i] + carry;
		int64		low = c & CHUNK_MASK;

		s->chunk[i] = low;
		carry = (c - low) / CHUNK_RADIX;	/* exact: floor(c / 2^32) */
	}
	while (carry != 0 && carry != -1)
	{
		int64		low = carry & CHUNK_MASK;

		if (s->hi + 1 >= s->nchunks)
			elog(ERROR, "exact sum overflowed its %d chunks", s->nchunks);
		s->chunk[++s->hi] = low;
		carry = (carry - low) / CHUNK_RADIX;
	}
	if (carry == -1)
	{
		/*
		 * Negative: -2^(32 (hi + 1)) plus the chunks below. A top chunk of
		 * all ones folds into that -1 one chunk lower (-2^32 + (2^32 - 1) =
		 * -1), so that normalizing a negative sum again does not grow it.
		 */
		while (s->hi >= s->lo && s->chunk[s->hi] == CHUNK_MASK)
			s->hi--;
		if (s->hi + 1 >= s->nchunks)
			elog(ERROR, "exact sum overflowed its %d chunks", s->nchunks);
		s->chunk[++s->hi] = -1;
	}
	while (s->hi >= s->lo && s->chunk[s->hi] == 0)
		s->hi--;
	while (s->lo <= s->hi && s->chunk[s->lo] == 0)
		s->lo++;
	if (s->hi < s->lo)
		ExactSumSetEmpty(s);
}

/*
 * Make chunks first .. last of s part of its range, zeroing those it takes
 * in.
 */
static inline void
ExactSumCover(ExactSum *s, int first, int last)
{
	if (s->hi < s->lo)
	{
		s->lo = first;
		s->hi = last;
		memset(s->chunk + first, 0, (last - first + 1) * sizeof(int64));
		return;
	}
	if (first < s->lo)
	{
		memset(s->chunk + first, 0, (s->lo - first) * sizeof(int64));
		s->lo = first;
	}
	if (last > s->hi)
	{
		memset(s->chunk + s->hi + 1, 0, (last - s->hi) * sizeof(int64));
		s->hi = last;
	}
}

/*
 * Add (negative: subtract) the integer hi:lo, below 2^117, times
 * 2^(low_exp + pos): five chunks at most, each changed by less than 2^32.
 */
static void
ExactSumAddBits(ExactSum *s, uint64 lo, uint64 hi, int pos, bool negative)
{
	int			idx,
				r,
				first = -1,
				last = -1;
	uint64		w0,
				w1,
				w2;
	uint32		part[5];

	if (pos < 0)
		elog(ERROR, "value below the range of an exact sum");
	idx = pos >> 5;
	r = pos & 31;
	w0 = lo << r;
	w1 = r == 0 ? hi : (hi << r) | (lo >> (64 - r));
	w2 = r == 0 ? 0 : hi >> (64 - r);
	part[0] = (uint32) w0;
	part[1] = (uint32) (w0 >> 32);
	part[2] = (uint32) w1;
	part[3] = (uint32) (w1 >> 32);
	part[4] = (uint32) w2;
	for (int k = 0; k < 5; k++)
	{
		if (part[k] == 0)
			continue;
		if (first < 0)
			first = k;
		last = k;
	}
	if (first < 0)
		return;
	if (idx + last >= s->nchunks)
		elog(ERROR, "value above the range of an exact sum");

	if (s->adds >= EXACT_SUM_MAX_ADDS)
		ExactSumNormalize(s);
	s->adds++;
	ExactSumCover(s, idx + first, idx + last);

	for (int k = first; k <= last; k++)
	{
		if (negative)
			s->chunk[idx + k] -= (int64) part[k];
		else
			s->chunk[idx + k] += (int64) part[k];
	}
}

/*
 * ExactSumAddBits for an integer below 2^53 (a mantissa): three chunks at
 * most, the same chunks changed by the same amounts.
 */
static inline void
ExactSumAddMant(ExactSum *s, uint64 mant, int pos, bool negative)
{
	int			idx,
				r,
				first,
				last;
	uint32		part[3];

	if (pos < 0)
		elog(ERROR, "value below the range of an exact sum");
	idx = pos >> 5;
	r = pos & 31;
	part[0] = (uint32) (mant << r);
	part[1] = (uint32) (mant >> (32 - r));	/* shift by 1 .. 32 */
	part[2] = r == 0 ? 0 : (uint32) (mant >> (64 - r));
	first = part[0] != 0 ? 0 : part[1] != 0 ? 1 : part[2] != 0 ? 2 : -1;
	if (first < 0)
		return;
	last = part[2] != 0 ? 2 : part[1] != 0 ? 1 : 0;
	if (idx + last >= s->nchunks)
		elog(ERROR, "value above the range of an exact sum");

	if (s->adds >= EXACT_SUM_MAX_ADDS)
		ExactSumNormalize(s);
	s->adds++;
	if (s->hi < s->lo || idx + first < s->lo || idx + last > s->hi)
		ExactSumCover(s, idx + first, idx + last);

	if (negative)
	{
		s->chunk[idx] -= (int64) part[0];
		if (part[1] != 0)
			s->chunk[idx + 1] -= (int64) part[1];
		if (part[2] != 0)
			s->chunk[idx + 2] -= (int64) part[2];
	}
	else
	{
		s->chunk[idx] += (int64) part[0];
		if (part[1] != 0)
			s->chunk[idx + 1] += (int64) part[1];
		if (part[2] != 0)
			s->chunk[idx + 2] += (int64) part[2];
	}
}


/* Add (or subtract) v * 2^shift exactly, v finite */
void
ExactSumAddDouble(ExactSum *s, double v, int shift, bool subtract)
{
	uint64		mant;
	int			exp;
	bool		negative;

	DoubleParts(v, &mant, &exp, &negative);
	if (mant == 0)
		return;
	ExactSumAddMant(s, mant, exp + shift - s->low_exp, negative != subtract);
}

/*
 * Add (or subtract) a * b * 2^shift exactly, a and b finite: the product of
 * the two integer mantissas (below 2^106) times 2^(sum of their exponents),
 * so nothing underflows or rounds away. With a 128-bit integer type the
 * product is one integer and one update; otherwise TwoProduct (fma) splits
 * it exactly into two integers, hi (below 2^106) + lo (|lo| below 2^53).
 */
void
ExactSumAddProduct(ExactSum *s, double a, double b, int shift, bool subtract)
{
	uint64		ma,
				mb;
	int			ea,
				eb;
	bool		na,
				nb;

	DoubleParts(a, &ma, &ea, &na);
	DoubleParts(b, &mb, &eb, &nb);
	if (ma == 0 || mb == 0)
		return;
	if (na != nb)
		subtract = !subtract;
#ifdef HAVE_INT128
	{
		uint128		p = (uint128) ma * mb;

		ExactSumAddBits(s, (uint64) p, (uint64) (p >> 64), ea + eb + shift - s->low_exp, subtract);
	}
#else
	{
		double		hi = (double) ma * (double) mb;
		double		lo = fma((double) ma, (double) mb, -hi);

		ExactSumAddDouble(s, hi, ea + eb + shift, subtract);
		ExactSumAddDouble(s, lo, ea + eb + shift, subtract);
	}
#endif
}

/* Negate a sum in place (the result is not normalized) */
void
ExactSumNegate(ExactSum *s)
{
	for (int i = s->lo; i <= s->hi; i++)
		s->chunk[i] = -s->chunk[i];
}

/*
 * Add (or subtract) t * f * 2^shift to s exactly, t a normalized exact sum
 * and f a finite double: each chunk of |t| times f's mantissa (85 bits at
 * most).
 */
void
ExactSumAddScaled(ExactSum *s, const ExactSum *t, double f, int shift, bool subtract)
{
	uint64		mant;
	int			exp;
	bool		negative;
	uint64		mlo,
				mhi;
	int64		abs_chunks[EXACT_SUM_MAX_CHUNKS];
	ExactSum	abs_t;
	const ExactSum *src = t;

	DoubleParts(f, &mant, &exp, &negative);
	if (mant == 0 || t->hi < t->lo)
		return;
	if (negative)
		subtract = !subtract;
	if (ExactSumSign(t) < 0)
	{
		/* work with |t|, whose chunks all lie in [0, 2^32) */
		if ((size_t) t->nchunks > lengthof(abs_chunks))
			elog(ERROR, "exact sum has too many chunks");
		ExactSumCopy(&abs_t, abs_chunks, t);
		ExactSumNegate(&abs_t);
		ExactSumNormalize(&abs_t);
		src = &abs_t;
		subtract = !subtract;
	}
	mlo = mant & CHUNK_MASK;
	mhi = mant >> 32;
	for (int i = src->lo; i <= src->hi; i++)
	{
		uint64		c = (uint64) src->chunk[i];
		uint64		p0 = c * mlo;	/* below 2^64 */
		uint64		p1 = c * mhi;	/* below 2^53 */
		uint64		lo = p0 + (p1 << 32);
		uint64		hi = (p1 >> 32) + (lo < p0 ? 1 : 0);

		if (c == 0)
			continue;
		ExactSumAddBits(s, lo, hi, src->low_exp + 32 * i + exp + shift - s->low_exp, subtract);
	}
}
