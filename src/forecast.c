/*-------------------------------------------------------------------------
 *
 * forecast.c
 *	  (being written)
 *
 * Copyright (C) 2026, the analytics authors. GPL-3.0-or-later.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "analytics.h"
