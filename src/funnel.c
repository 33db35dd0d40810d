/*-------------------------------------------------------------------------
 *
 * funnel.c
 *	  (stub: filled in by issue 3)
 *
 * Copyright (C) 2026, the analytics authors. GPL-3.0-or-later.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "analytics.h"
