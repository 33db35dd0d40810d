/*-------------------------------------------------------------------------
 *
 * report_render.c
 *	  Reports as PDF (cairo, A4, embedded fonts) and as HTML with inline SVG
 *	  charts (cairo's SVG surface), rendered from a report's JSON document
 *	  (src/reports.sql, README, Reports).
 *
 * One drawing code serves both: a chart is drawn into a box of a cairo
 * context, a PDF page's or an SVG image's, from the Vega-Lite specification
 * chart_data made (its data values and its usermeta.analytics), so a chart
 * in a PDF, in an HTML mail and in the JSON agree. A PDF is laid out twice:
 * once to count the pages (for "page n of m"), once to draw them; long
 * tables break across pages with their header repeated.
 *
 * Text uses the DejaVu Sans font (Debian's fonts-dejavu-core) through
 * fontconfig; cairo embeds the subset used in the PDF.
 *
 * Copyright (C) 2026, the analytics authors. GPL-3.0-or-later.
 *
 *-------------------------------------------------------------------------
 */
#include "analytics.h"

#include <math.h>

#include <cairo.h>
#include <cairo-pdf.h>
#include <cairo-svg.h>
#include <xlsxwriter.h>

#include "catalog/pg_collation.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "nodes/pg_list.h"
#include "storage/fd.h"
#include "utils/builtins.h"
#include "utils/formatting.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/numeric.h"

#define FONT_FAMILY		"DejaVu Sans"

/* A4 in points, and the page's margins */
#define PAGE_W			595.2756
#define PAGE_H			841.8898
#define MARGIN			48.0
#define FOOTER_H		24.0

/* The chart box in a PDF, and an SVG chart's size in pixels */
#define PDF_CHART_H		230.0
#define SVG_CHART_W		640.0
#define SVG_CHART_H		300.0

/* The most categories a chart labels on its x axis */
#define CHART_MAX_LABELS	10

static const double palette[][3] = {
	{0.122, 0.467, 0.706}, {1.000, 0.498, 0.055}, {0.173, 0.627, 0.173}, {0.839, 0.153, 0.157},
	{0.580, 0.404, 0.741}, {0.549, 0.337, 0.294}, {0.890, 0.467, 0.761}, {0.498, 0.498, 0.498},
	{0.737, 0.741, 0.133}, {0.090, 0.745, 0.812}
};
#define PALETTE_SIZE ((int) (sizeof(palette) / sizeof(palette[0])))

/* ---------- reading the document ---------- */

static JsonbValue *
ReportGet(JsonbContainer *obj, const char *key)
{
	JsonbValue	k;

	if (obj == NULL || !JsonContainerIsObject(obj))
		return NULL;
	k.type = jbvString;
	k.val.string.val = (char *) key;
	k.val.string.len = strlen(key);
	return findJsonbValueFromContainer(obj, JB_FOBJECT, &k);
}

/* The container of an object or array value, or NULL */
static JsonbContainer *
ReportContainer(JsonbValue *v)
{
	return v != NULL && v->type == jbvBinary ? v->val.binary.data : NULL;
}

static JsonbContainer *
ReportGetContainer(JsonbContainer *obj, const char *key)
{
	return ReportContainer(ReportGet(obj, key));
}

static int
ReportLength(JsonbContainer *arr)
{
	return arr != NULL && JsonContainerIsArray(arr) ? (int) JsonContainerSize(arr) : 0;
}

static JsonbValue *
ReportAt(JsonbContainer *arr, int i)
{
	return getIthJsonbValueFromContainer(arr, (uint32) i);
}

/* A scalar as text (numbers as written, booleans true/false); NULL for null */
static char *
ReportText(JsonbValue *v)
{
	if (v == NULL || v->type == jbvNull)
		return NULL;
	switch (v->type)
	{
		case jbvString:
			return pnstrdup(v->val.string.val, v->val.string.len);
		case jbvNumeric:
			return DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(v->val.numeric)));
		case jbvBool:
			return pstrdup(v->val.boolean ? "true" : "false");
		default:
			return pstrdup("");
	}
}

static char *
ReportGetText(JsonbContainer *obj, const char *key)
{
	return ReportText(ReportGet(obj, key));
}

static bool
ReportNumber(JsonbValue *v, double *out)
{
	if (v == NULL || v->type != jbvNumeric)
		return false;
	*out = DatumGetFloat8(DirectFunctionCall1(numeric_float8, NumericGetDatum(v->val.numeric)));
	return true;
}

/* ---------- formatting values ---------- */

/* digits with thousands separators */
static void
append_grouped(StringInfo buf, const char *digits)
{
	int			n = strlen(digits);

	for (int i = 0; i < n; i++)
	{
		if (i > 0 && (n - i) % 3 == 0)
			appendStringInfoChar(buf, ',');
		appendStringInfoChar(buf, digits[i]);
	}
}

/*
 * A number in an Excel-style format of the templates: [#,##]0[.0...][%]
 * (grouping, decimals, a percent sign appended as written); NULL format:
 * grouped, no decimals for an integer, else 2. Rounded as Excel and
 * PostgreSQL's round() do: on the decimal value, half away from zero.
 */
static char *
ReportFormatNumeric(Numeric n, const char *format, bool integer)
{
	StringInfoData buf;
	int			decimals = integer ? 0 : 2;
	bool		grouped = true;
	bool		percent = false;
	char	   *num;
	char	   *dot;
	bool		negative;

	if (format != NULL && format[0] != '\0')
	{
		const char *p = strchr(format, '.');

		grouped = strchr(format, ',') != NULL;
		percent = strchr(format, '%') != NULL;
		decimals = 0;
		if (p != NULL)
			for (p++; *p == '0' || *p == '#'; p++)
				decimals++;
	}
	if (numeric_is_nan(n) || numeric_is_inf(n))
		return pstrdup("");
	num = DatumGetCString(DirectFunctionCall1(numeric_out,
											  DirectFunctionCall2(numeric_round, NumericGetDatum(n),
																  Int32GetDatum(decimals))));
	negative = num[0] == '-';
	if (negative)
		num++;
	initStringInfo(&buf);
	if (negative && strspn(num, "0.") != strlen(num))
		appendStringInfoChar(&buf, '-');
	dot = strchr(num, '.');
	if (dot != NULL)
		*dot = '\0';
	if (grouped)
		append_grouped(&buf, num);
	else
		appendStringInfoString(&buf, num);
	if (dot != NULL)
	{
		appendStringInfoChar(&buf, '.');
		appendStringInfoString(&buf, dot + 1);
	}
	if (percent)
		appendStringInfoChar(&buf, '%');
	return buf.data;
}

/* A double as ReportFormatNumeric shows it (its 15 significant digits) */
static char *
ReportFormatNumber(double x, const char *format, bool integer)
{
	if (!isfinite(x))
		return pstrdup("");
	return ReportFormatNumeric(DatumGetNumeric(DirectFunctionCall1(float8_numeric, Float8GetDatum(x))),
							   format, integer);
}

/* A KPI tile's value: a percentage with 2 decimals and its sign, "-" when there is none */
static char *
ReportTileValue(JsonbContainer *tile)
{
	double		v;
	char	   *unit = ReportGetText(tile, "unit");

	if (!ReportNumber(ReportGet(tile, "value"), &v))
		return pstrdup("-");
	if (unit != NULL && strcmp(unit, "%") == 0)
		return psprintf("%s%%", ReportFormatNumber(v, "0.00", false));
	return ReportFormatNumber(v, NULL, v == floor(v));
}

/* A double with no format: without decimals when it is whole */
static char *
ReportFormatPlain(double x)
{
	return ReportFormatNumber(x, NULL, x == floor(x));
}

/* A cell as shown: numbers formatted, dates cut to the format's length */
static char *
ReportFormatCell(JsonbValue *v, const char *type, const char *format)
{
	char	   *t;

	if (v == NULL || v->type == jbvNull)
		return pstrdup("");
	if (v->type == jbvNumeric)
		return ReportFormatNumeric(v->val.numeric, format, type != NULL && strcmp(type, "integer") == 0);
	t = ReportText(v);
	if (type != NULL && strcmp(type, "date") == 0 && format != NULL && strcmp(format, "yyyy-mm") == 0 && strlen(t) >= 7)
		t[7] = '\0';
	return t;
}

/* ---------- drawing ---------- */

/* A metric's name as a title: "average_transaction_value" as "Average transaction value" */
static char *
ReportMetricTitle(const char *metric)
{
	char	   *t = pstrdup(metric ? metric : "");

	for (char *c = t; *c; c++)
		if (*c == '_')
			*c = ' ';
	if (t[0] >= 'a' && t[0] <= 'z')
		t[0] += 'A' - 'a';
	return t;
}

/*
 * The line under a report's title: its name when it is not the template's
 * title and period (the default), then the period and when it was made.
 */
static char *
ReportSubtitle(JsonbContainer *report)
{
	JsonbContainer *period = ReportGetContainer(report, "period");
	char	   *title = ReportGetText(report, "title");
	char	   *name = ReportGetText(report, "name");
	char	   *line = psprintf("Period %s to %s (UTC), generated %s.", ReportGetText(period, "from"),
								ReportGetText(period, "to"), ReportGetText(report, "generated_at"));

	if (name != NULL && (title == NULL || strncmp(name, title, strlen(title)) != 0))
		return psprintf("%s. %s", name, line);
	return line;
}

static void
set_font(cairo_t *cr, double size, bool bold)
{
	cairo_select_font_face(cr, FONT_FAMILY, CAIRO_FONT_SLANT_NORMAL,
						   bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
	cairo_set_font_size(cr, size);
}

static double
text_width(cairo_t *cr, const char *s)
{
	cairo_text_extents_t e;

	cairo_text_extents(cr, s, &e);
	return e.x_advance;
}

/* Text at (x, baseline y), aligned left (0), center (0.5) or right (1) */
static void
show_text(cairo_t *cr, const char *s, double x, double y, double align)
{
	cairo_move_to(cr, x - align * text_width(cr, s), y);
	cairo_show_text(cr, s);
}

/* s cut to at most width, with an ellipsis (on a UTF-8 character boundary) */
static char *
fit_text(cairo_t *cr, const char *s, double width)
{
	char	   *t = pstrdup(s);
	int			n = strlen(t);

	if (text_width(cr, t) <= width)
		return t;
	while (n > 0)
	{
		char	   *u;

		n--;
		while (n > 0 && (t[n] & 0xC0) == 0x80)
			n--;
		t[n] = '\0';
		u = psprintf("%s\u2026", t);
		if (text_width(cr, u) <= width)
			return u;
	}
	return pstrdup("");
}

static void
set_color(cairo_t *cr, int i, double alpha)
{
	const double *c = palette[i % PALETTE_SIZE];

	cairo_set_source_rgba(cr, c[0], c[1], c[2], alpha);
}

/* A nice step for about n ticks over range */
static double
nice_step(double range, int n)
{
	double		raw = range / n;
	double		mag = pow(10.0, floor(log10(raw)));
	double		f = raw / mag;

	return (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * mag;
}

/* The distinct strings of a list, in order of first appearance */
typedef struct Names
{
	int			n;
	int			cap;
	char	  **v;
} Names;

static int
names_index(Names *names, const char *s, bool add)
{
	for (int i = 0; i < names->n; i++)
		if (strcmp(names->v[i], s) == 0)
			return i;
	if (!add)
		return -1;
	if (names->n == names->cap)
	{
		names->cap = Max(16, names->cap * 2);
		names->v = names->v == NULL ? palloc(names->cap * sizeof(char *))
			: repalloc(names->v, names->cap * sizeof(char *));
	}
	names->v[names->n] = pstrdup(s);
	return names->n++;
}

static void
draw_legend(cairo_t *cr, Names *series, double x, double y, double w)
{
	double		cx = x;

	set_font(cr, 8, false);
	for (int i = 0; i < series->n; i++)
	{
		char	   *label = fit_text(cr, series->v[i], 120);
		double		lw = 14 + text_width(cr, label) + 12;

		if (cx + lw > x + w && cx > x)
		{
			cx = x;
			y += 12;
		}
		set_color(cr, i, 1);
		cairo_rectangle(cr, cx, y - 7, 9, 9);
		cairo_fill(cr);
		cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
		show_text(cr, label, cx + 13, y + 1, 0);
		cx += lw;
	}
}

/* A pie: slices from 12 o'clock clockwise, a legend with the percentages */
static void
draw_pie(cairo_t *cr, JsonbContainer *values, double x, double y, double w, double h)
{
	int			n = ReportLength(values);
	double		total = 0,
				angle = -M_PI / 2,
				r = Min(w * 0.5, h) / 2 - 4,
				cx = x + r + 8,
				cy = y + h / 2,
				ly = y + 12;

	for (int i = 0; i < n; i++)
	{
		double		v;

		if (ReportNumber(ReportGet(ReportContainer(ReportAt(values, i)), "value"), &v) && v > 0)
			total += v;
	}
	set_font(cr, 8.5, false);
	for (int i = 0; i < n; i++)
	{
		JsonbContainer *d = ReportContainer(ReportAt(values, i));
		double		v = 0,
					pct = 0;
		char	   *label;

		if (!ReportNumber(ReportGet(d, "value"), &v) || v <= 0 || total <= 0)
			continue;
		(void) ReportNumber(ReportGet(d, "percent"), &pct);
		set_color(cr, i, 1);
		cairo_move_to(cr, cx, cy);
		cairo_arc(cr, cx, cy, r, angle, angle + 2 * M_PI * v / total);
		cairo_close_path(cr);
		cairo_fill_preserve(cr);
		cairo_set_source_rgb(cr, 1, 1, 1);
		cairo_set_line_width(cr, 1);
		cairo_stroke(cr);
		angle += 2 * M_PI * v / total;
		/* legend: label, value and percent */
		if (ly < y + h)
		{
			set_color(cr, i, 1);
			cairo_rectangle(cr, cx + r + 24, ly - 8, 9, 9);
			cairo_fill(cr);
			cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
			label = psprintf("%s: %s (%s%%)", ReportGetText(d, "x") ? ReportGetText(d, "x") : "(none)",
							 ReportFormatPlain(v), ReportFormatNumber(pct, "0.0", false));
			show_text(cr, fit_text(cr, label, x + w - (cx + r + 38)), cx + r + 38, ly, 0);
			ly += 14;
		}
	}
}

/* A heatmap: days of week (rows) by hour (columns) */
static void
draw_heatmap(cairo_t *cr, JsonbContainer *values, double x, double y, double w, double h)
{
	static const char *const days[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
	double		grid[7][24] = {{0}};
	double		max = 0;
	double		left = x + 30,
				top = y + 4,
				cw = (w - 40) / 24,
				ch = (h - 24) / 7;

	for (int i = 0; i < ReportLength(values); i++)
	{
		JsonbContainer *d = ReportContainer(ReportAt(values, i));
		double		dow,
					hour,
					v;

		if (ReportNumber(ReportGet(d, "dow_number"), &dow) && ReportNumber(ReportGet(d, "hour"), &hour) &&
			ReportNumber(ReportGet(d, "value"), &v) && dow >= 1 && dow <= 7 && hour >= 0 && hour <= 23)
		{
			grid[(int) dow - 1][(int) hour] = v;
			max = Max(max, v);
		}
	}
	set_font(cr, 7.5, false);
	for (int d = 0; d < 7; d++)
	{
		cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
		show_text(cr, days[d], left - 4, top + d * ch + ch / 2 + 3, 1);
		for (int hr = 0; hr < 24; hr++)
		{
			double		f = max > 0 ? grid[d][hr] / max : 0;

			cairo_set_source_rgb(cr, 1 - 0.88 * f, 1 - 0.53 * f, 1 - 0.29 * f);
			cairo_rectangle(cr, left + hr * cw + 0.5, top + d * ch + 0.5, cw - 1, ch - 1);
			cairo_fill(cr);
		}
	}
	cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
	for (int hr = 0; hr < 24; hr += 3)
	{
		char		label[8];

		snprintf(label, sizeof(label), "%d", hr);
		show_text(cr, label, left + hr * cw + cw / 2, top + 7 * ch + 11, 0.5);
	}
}

/*
 * Line, area and bar charts: x categories in order, one series per name,
 * y from min(0, min) to max with nice ticks, gridlines, a legend when there
 * are several series.
 */
static void
draw_xy(cairo_t *cr, const char *kind, JsonbContainer *values, double x, double y, double w, double h)
{
	int			n = ReportLength(values);
	Names		xs = {0, 0, NULL},
				series = {0, 0, NULL};
	double	   *grid;
	bool	   *has;
	double		lo = 0,
				hi = 0,
				step,
				left,
				top = y + 6,
				bottom,
				right = x + w - 6,
				pw,
				ph;
	int			nx,
				ns;
	bool		legend;

	for (int i = 0; i < n; i++)
	{
		JsonbContainer *d = ReportContainer(ReportAt(values, i));
		char	   *sx = ReportGetText(d, "x");
		char	   *ss = ReportGetText(d, "series");

		names_index(&xs, sx ? sx : "", true);
		names_index(&series, ss ? ss : "", true);
	}
	nx = xs.n;
	ns = Max(series.n, 1);
	grid = palloc0(Max(nx, 1) * ns * sizeof(double));
	has = palloc0(Max(nx, 1) * ns * sizeof(bool));
	for (int i = 0; i < n; i++)
	{
		JsonbContainer *d = ReportContainer(ReportAt(values, i));
		char	   *sx = ReportGetText(d, "x");
		char	   *ss = ReportGetText(d, "series");
		double		v;
		int			ix = names_index(&xs, sx ? sx : "", false);
		int			is = names_index(&series, ss ? ss : "", false);

		if (ReportNumber(ReportGet(d, "value"), &v))
		{
			grid[ix * ns + is] += v;
			has[ix * ns + is] = true;
		}
	}
	for (int i = 0; i < nx * ns; i++)
		if (has[i])
		{
			lo = Min(lo, grid[i]);
			hi = Max(hi, grid[i]);
		}
	if (hi == lo)
		hi = lo + 1;
	step = nice_step(hi - lo, 5);
	lo = floor(lo / step) * step;
	hi = ceil(hi / step) * step;

	legend = series.n > 1;
	bottom = y + h - 18 - (legend ? 14 : 0);
	/* the y axis labels set the left edge */
	set_font(cr, 7.5, false);
	left = x;
	for (double t = lo; t <= hi + step / 2; t += step)
		left = Max(left, x + text_width(cr, ReportFormatPlain(t)) + 6);
	pw = right - left;
	ph = bottom - top;
	for (double t = lo; t <= hi + step / 2; t += step)
	{
		double		ty = bottom - (t - lo) / (hi - lo) * ph;

		cairo_set_source_rgb(cr, 0.88, 0.88, 0.88);
		cairo_set_line_width(cr, 0.5);
		cairo_move_to(cr, left, ty);
		cairo_line_to(cr, right, ty);
		cairo_stroke(cr);
		cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
		show_text(cr, ReportFormatPlain(t), left - 4, ty + 3, 1);
	}
	cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
	cairo_set_line_width(cr, 0.8);
	cairo_move_to(cr, left, bottom);
	cairo_line_to(cr, right, bottom);
	cairo_stroke(cr);
	if (nx == 0)
	{
		show_text(cr, "no data", left + pw / 2, top + ph / 2, 0.5);
		return;
	}
	/* x labels: at most CHART_MAX_LABELS, evenly spaced */
	{
		int			every = (nx + CHART_MAX_LABELS - 1) / CHART_MAX_LABELS;
		double		slot = pw / nx;

		for (int i = 0; i < nx; i += every)
		{
			char	   *label = fit_text(cr, xs.v[i], slot * every - 2);

			show_text(cr, label, left + slot * (i + 0.5), bottom + 11, 0.5);
		}
	}
	for (int s = 0; s < ns; s++)
	{
		double		slot = pw / nx;

		if (strcmp(kind, "bar") == 0)
		{
			double		bw = slot * 0.8 / ns;

			for (int i = 0; i < nx; i++)
			{
				double		v = grid[i * ns + s];
				double		y0 = bottom - (Max(lo, 0) - lo) / (hi - lo) * ph;
				double		y1 = bottom - (v - lo) / (hi - lo) * ph;

				if (!has[i * ns + s])
					continue;
				set_color(cr, s, 1);
				cairo_rectangle(cr, left + slot * i + slot * 0.1 + bw * s, Min(y0, y1), bw - 0.5, fabs(y1 - y0));
				cairo_fill(cr);
			}
		}
		else
		{
			bool		started = false;
			double		first_x = 0;

			for (int i = 0; i < nx; i++)
			{
				double		px = left + slot * (i + 0.5);
				double		py = bottom - (grid[i * ns + s] - lo) / (hi - lo) * ph;

				if (!has[i * ns + s])
					continue;
				if (!started)
				{
					cairo_move_to(cr, px, py);
					first_x = px;
					started = true;
				}
				else
					cairo_line_to(cr, px, py);
			}
			if (!started)
				continue;
			if (strcmp(kind, "area") == 0)
			{
				double		last_x,
							last_y;

				cairo_get_current_point(cr, &last_x, &last_y);
				cairo_line_to(cr, last_x, bottom - (Max(lo, 0) - lo) / (hi - lo) * ph);
				cairo_line_to(cr, first_x, bottom - (Max(lo, 0) - lo) / (hi - lo) * ph);
				cairo_close_path(cr);
				set_color(cr, s, 0.35);
				cairo_fill_preserve(cr);
			}
			set_color(cr, s, 1);
			cairo_set_line_width(cr, 1.5);
			cairo_stroke(cr);
			if (strcmp(kind, "line") == 0 && nx <= 60)
				for (int i = 0; i < nx; i++)
				{
					if (!has[i * ns + s])
						continue;
					cairo_arc(cr, left + slot * (i + 0.5), bottom - (grid[i * ns + s] - lo) / (hi - lo) * ph,
							  1.8, 0, 2 * M_PI);
					cairo_fill(cr);
				}
		}
	}
	if (legend)
		draw_legend(cr, &series, left, y + h - 4, pw);
}

/* A chart of a spec (chart_data's) into the box x, y, w, h */
static void
ReportDrawChart(cairo_t *cr, JsonbContainer *spec, double x, double y, double w, double h)
{
	JsonbContainer *meta = ReportGetContainer(ReportGetContainer(spec, "usermeta"), "analytics");
	JsonbContainer *values = ReportGetContainer(ReportGetContainer(spec, "data"), "values");
	char	   *kind = ReportGetText(meta, "kind");

	if (kind == NULL)
		kind = "bar";
	cairo_save(cr);
	if (strcmp(kind, "pie") == 0)
		draw_pie(cr, values, x, y, w, h);
	else if (strcmp(kind, "heatmap") == 0)
		draw_heatmap(cr, values, x, y, w, h);
	else
		draw_xy(cr, kind, values, x, y, w, h);
	cairo_restore(cr);
}

/* ---------- PDF ---------- */

typedef struct Pdf
{
	cairo_t    *cr;
	int			page;
	int			pages;			/* from the first pass, 0 during it */
	double		y;
	const char *footer;
} Pdf;

static void
pdf_footer(Pdf *p)
{
	char	   *label = p->pages > 0 ? psprintf("Page %d of %d", p->page, p->pages) : psprintf("Page %d", p->page);

	set_font(p->cr, 8, false);
	cairo_set_source_rgb(p->cr, 0.4, 0.4, 0.4);
	show_text(p->cr, fit_text(p->cr, p->footer, PAGE_W - 2 * MARGIN - 80), MARGIN, PAGE_H - MARGIN / 2, 0);
	show_text(p->cr, label, PAGE_W - MARGIN, PAGE_H - MARGIN / 2, 1);
}

static void
pdf_new_page(Pdf *p)
{
	if (p->page > 0)
		cairo_show_page(p->cr);
	p->page++;
	p->y = MARGIN;
	pdf_footer(p);
	CHECK_FOR_INTERRUPTS();
}

/* Room for h more points on this page, else a new page */
static bool
pdf_need(Pdf *p, double h)
{
	if (p->y + h > PAGE_H - MARGIN - FOOTER_H)
	{
		pdf_new_page(p);
		return true;
	}
	return false;
}

/* A paragraph wrapped at the page's width */
static void
pdf_paragraph(Pdf *p, const char *text, double size, bool bold)
{
	char	   *copy = pstrdup(text);
	char	   *word;
	char	   *save = NULL;
	StringInfoData line;
	double		width = PAGE_W - 2 * MARGIN;

	set_font(p->cr, size, bold);
	cairo_set_source_rgb(p->cr, 0.1, 0.1, 0.1);
	initStringInfo(&line);
	for (word = strtok_r(copy, " \n", &save); word != NULL; word = strtok_r(NULL, " \n", &save))
	{
		char	   *candidate = line.len > 0 ? psprintf("%s %s", line.data, word) : pstrdup(word);

		if (line.len > 0 && text_width(p->cr, candidate) > width)
		{
			pdf_need(p, size * 1.4);
			set_font(p->cr, size, bold);
			cairo_set_source_rgb(p->cr, 0.1, 0.1, 0.1);
			show_text(p->cr, line.data, MARGIN, p->y + size, 0);
			p->y += size * 1.4;
			resetStringInfo(&line);
			appendStringInfoString(&line, word);
		}
		else
		{
			resetStringInfo(&line);
			appendStringInfoString(&line, candidate);
		}
	}
	if (line.len > 0)
	{
		pdf_need(p, size * 1.4);
		set_font(p->cr, size, bold);
		cairo_set_source_rgb(p->cr, 0.1, 0.1, 0.1);
		show_text(p->cr, line.data, MARGIN, p->y + size, 0);
		p->y += size * 1.4;
	}
}

static void
pdf_heading(Pdf *p, const char *title)
{
	if (title == NULL)
		return;
	pdf_need(p, 40);
	p->y += 8;
	pdf_paragraph(p, title, 12, true);
	p->y += 2;
}

/* KPI tiles, four to a row */
static void
pdf_tiles(Pdf *p, JsonbContainer *tiles)
{
	int			n = ReportLength(tiles);
	double		gap = 8,
				tw = (PAGE_W - 2 * MARGIN - 3 * gap) / 4,
				th = 58;

	for (int i = 0; i < n; i++)
	{
		JsonbContainer *t = ReportContainer(ReportAt(tiles, i));
		double		tx = MARGIN + (i % 4) * (tw + gap);
		double		v,
					pct;
		char	   *label = ReportGetText(t, "label");
		char	   *metric = ReportGetText(t, "metric");

		if (i % 4 == 0)
		{
			if (i > 0)
				p->y += th + gap;
			pdf_need(p, th + gap);
		}
		cairo_set_source_rgb(p->cr, 0.95, 0.96, 0.98);
		cairo_rectangle(p->cr, tx, p->y, tw, th);
		cairo_fill(p->cr);
		set_font(p->cr, 7.5, true);
		cairo_set_source_rgb(p->cr, 0.35, 0.35, 0.35);
		show_text(p->cr, fit_text(p->cr, ReportMetricTitle(metric), tw - 12), tx + 6, p->y + 12, 0);
		cairo_set_source_rgb(p->cr, 0.1, 0.1, 0.1);
		if (ReportNumber(ReportGet(t, "value"), &v))
		{
			char	   *shown = ReportTileValue(t);
			double		vs = 14;

			/* the whole number, in a smaller font when it is long */
			set_font(p->cr, vs, true);
			while (vs > 7 && text_width(p->cr, shown) > tw - 12)
				set_font(p->cr, vs -= 0.5, true);
			show_text(p->cr, shown, tx + 6, p->y + 32, 0);
		}
		else
		{
			set_font(p->cr, 14, true);
			show_text(p->cr, "-", tx + 6, p->y + 32, 0);
		}
		set_font(p->cr, 7.5, false);
		if (ReportNumber(ReportGet(t, "change_pct"), &pct))
		{
			cairo_set_source_rgb(p->cr, pct >= 0 ? 0.1 : 0.75, pct >= 0 ? 0.5 : 0.1, 0.1);
			show_text(p->cr, psprintf("%s %s%% vs previous", pct >= 0 ? "\u25B2" : "\u25BC",
									  ReportFormatNumber(fabs(pct), "0.0", false)), tx + 6, p->y + 46, 0);
		}
		cairo_set_source_rgb(p->cr, 0.45, 0.45, 0.45);
		set_font(p->cr, 6, false);
		if (label != NULL)
			show_text(p->cr, fit_text(p->cr, label, tw - 12), tx + 6, p->y + 55, 0);
	}
	if (n > 0)
		p->y += th + gap;
}

/*
 * A header label in at most two lines of the column's width: split at the
 * last space that fits, the rest shortened with an ellipsis.
 */
static void
header_lines(cairo_t *cr, const char *label, double width, char **first, char **second)
{
	const char *sp;
	const char *best = NULL;

	*second = NULL;
	if (text_width(cr, label) <= width)
	{
		*first = pstrdup(label);
		return;
	}
	for (sp = strchr(label, ' '); sp != NULL; sp = strchr(sp + 1, ' '))
	{
		char	   *head = pnstrdup(label, sp - label);

		if (text_width(cr, head) <= width)
			best = sp;
		pfree(head);
	}
	if (best == NULL)
	{
		*first = fit_text(cr, label, width);
		return;
	}
	*first = pnstrdup(label, best - label);
	*second = fit_text(cr, best + 1, width);
}

/*
 * A table: each column as wide as its widest value (over the first 200
 * rows) or its label, the labels on two lines when that makes it fit, then
 * a smaller font when it still does not; numbers and dates are never
 * shortened (only text, as the last resort). The header repeats on each
 * page.
 */
static void
pdf_table(Pdf *p, JsonbContainer *sec)
{
	JsonbContainer *cols = ReportGetContainer(sec, "columns");
	JsonbContainer *rows = ReportGetContainer(sec, "rows");
	int			nc = ReportLength(cols);
	int			nr = ReportLength(rows);
	double		avail = PAGE_W - 2 * MARGIN;
	double		width = 0;
	double	   *cw;
	double	   *vw;
	double	   *lw;
	bool	   *right;
	bool	   *text;
	char	  **labels;
	char	  **types;
	char	  **formats;
	char	  **head1;
	char	  **head2;
	bool		two_lines = false;
	double		size = 8,
				rh,
				hh;

	if (nc == 0)
		return;
	cw = palloc0(nc * sizeof(double));
	vw = palloc0(nc * sizeof(double));
	lw = palloc0(nc * sizeof(double));
	right = palloc0(nc * sizeof(bool));
	text = palloc0(nc * sizeof(bool));
	labels = palloc(nc * sizeof(char *));
	types = palloc(nc * sizeof(char *));
	formats = palloc(nc * sizeof(char *));
	head1 = palloc(nc * sizeof(char *));
	head2 = palloc(nc * sizeof(char *));
	for (int c = 0; c < nc; c++)
	{
		JsonbContainer *col = ReportContainer(ReportAt(cols, c));

		labels[c] = ReportGetText(col, "label");
		if (labels[c] == NULL)
			labels[c] = "";
		types[c] = ReportGetText(col, "type");
		formats[c] = ReportGetText(col, "format");
		right[c] = types[c] != NULL && (strcmp(types[c], "number") == 0 || strcmp(types[c], "integer") == 0);
		text[c] = types[c] == NULL || strcmp(types[c], "text") == 0 || strcmp(types[c], "json") == 0;
	}
	/* the font size at which the values fit (labels may wrap) */
	for (;; size -= 0.5)
	{
		double		values = 0;

		set_font(p->cr, size, false);
		for (int c = 0; c < nc; c++)
			vw[c] = 0;
		for (int r = 0; r < Min(nr, 200); r++)
		{
			JsonbContainer *row = ReportContainer(ReportAt(rows, r));

			for (int c = 0; c < nc && c < ReportLength(row); c++)
				vw[c] = Max(vw[c], text_width(p->cr, ReportFormatCell(ReportAt(row, c), types[c], formats[c])) + 8);
		}
		set_font(p->cr, size, true);
		for (int c = 0; c < nc; c++)
		{
			/* a label wraps at a space: its widest word must fit */
			char	   *copy = pstrdup(labels[c]);
			char	   *save = NULL;
			double		word = 0;

			lw[c] = text_width(p->cr, labels[c]) + 8;
			for (char *w = strtok_r(copy, " ", &save); w != NULL; w = strtok_r(NULL, " ", &save))
				word = Max(word, text_width(p->cr, w) + 8);
			/* text columns: at most a third of the page */
			if (text[c])
				vw[c] = Min(vw[c], avail / 3);
			values += Max(vw[c], Min(word, lw[c]));
		}
		if (values <= avail || size <= 5.5)
			break;
	}
	width = 0;
	for (int c = 0; c < nc; c++)
	{
		cw[c] = Max(vw[c], lw[c]);
		width += cw[c];
	}
	if (width > avail)
	{
		/* labels on two lines: each column as wide as its values or its widest label line */
		width = 0;
		set_font(p->cr, size, true);
		for (int c = 0; c < nc; c++)
		{
			double		need = vw[c];

			if (lw[c] > vw[c])
			{
				char	   *a;
				char	   *b;

				/* the narrowest width at which the label takes two lines */
				for (need = vw[c]; need < lw[c]; need += 2)
				{
					header_lines(p->cr, labels[c], need - 8, &a, &b);
					if (strstr(b != NULL ? b : a, "\u2026") == NULL)
						break;
				}
			}
			cw[c] = Max(need, 12);
			width += cw[c];
		}
		two_lines = true;
	}
	if (width > avail)
	{
		/* the last resort: shorten text columns */
		double		over = width - avail;
		double		textw = 0;

		for (int c = 0; c < nc; c++)
			if (text[c])
				textw += cw[c];
		for (int c = 0; c < nc && textw > 0; c++)
			if (text[c])
				cw[c] -= Min(cw[c] - 12, over * cw[c] / textw);
		width = 0;
		for (int c = 0; c < nc; c++)
			width += cw[c];
	}
	set_font(p->cr, size, true);
	for (int c = 0; c < nc; c++)
	{
		header_lines(p->cr, labels[c], cw[c] - 8, &head1[c], &head2[c]);
		if (head2[c] != NULL)
			two_lines = true;
	}
	rh = size * 1.625;
	hh = two_lines ? 2 * size * 1.3 + 3 : rh;

	for (int r = -1; r < nr; r++)
	{
		JsonbContainer *row = r >= 0 ? ReportContainer(ReportAt(rows, r)) : NULL;
		bool		header = r < 0 || pdf_need(p, rh);
		double		cx = MARGIN;

		CHECK_FOR_INTERRUPTS_EVERY(r + 1, INTERRUPT_CADENCE_COSTLY);
		if (header)
		{
			if (r < 0)
				pdf_need(p, hh + rh);
			cairo_set_source_rgb(p->cr, 0.85, 0.88, 0.93);
			cairo_rectangle(p->cr, MARGIN, p->y, width, hh);
			cairo_fill(p->cr);
			set_font(p->cr, size, true);
			cairo_set_source_rgb(p->cr, 0.1, 0.1, 0.1);
			for (int c = 0; c < nc; c++)
			{
				double		tx = right[c] ? cx + cw[c] - 4 : cx + 4;
				double		al = right[c] ? 1 : 0;

				if (head2[c] != NULL)
				{
					show_text(p->cr, head1[c], tx, p->y + size * 1.3, al);
					show_text(p->cr, head2[c], tx, p->y + 2 * size * 1.3, al);
				}
				else
					show_text(p->cr, head1[c], tx, p->y + hh - size * 0.45 - 1, al);
				cx += cw[c];
			}
			p->y += hh;
			cx = MARGIN;
		}
		if (row == NULL)
			continue;
		if (r % 2 == 1)
		{
			cairo_set_source_rgb(p->cr, 0.96, 0.96, 0.96);
			cairo_rectangle(p->cr, MARGIN, p->y, width, rh);
			cairo_fill(p->cr);
		}
		set_font(p->cr, size, false);
		cairo_set_source_rgb(p->cr, 0.1, 0.1, 0.1);
		for (int c = 0; c < nc && c < ReportLength(row); c++)
		{
			char	   *v = ReportFormatCell(ReportAt(row, c), types[c], formats[c]);
			char	   *t = text[c] ? fit_text(p->cr, v, cw[c] - 8) : v;

			show_text(p->cr, t, right[c] ? cx + cw[c] - 4 : cx + 4, p->y + rh - size * 0.45 - 1, right[c] ? 1 : 0);
			cx += cw[c];
		}
		p->y += rh;
	}
	if (nr == 0)
		pdf_paragraph(p, "(no rows)", 8, false);
	{
		JsonbValue *tr = ReportGet(sec, "truncated");

		if (tr != NULL && tr->type == jbvBool && tr->val.boolean)
			pdf_paragraph(p, "(more rows than shown)", 8, false);
	}
	p->y += 6;
}

static void
pdf_document(Pdf *p, JsonbContainer *doc)
{
	JsonbContainer *report = ReportGetContainer(doc, "report");
	JsonbContainer *period = ReportGetContainer(report, "period");
	JsonbContainer *sections = ReportGetContainer(doc, "sections");
	char	   *title = ReportGetText(report, "title");

	p->footer = psprintf("%s - %s to %s (UTC)", title ? title : "", ReportGetText(period, "from"),
						 ReportGetText(period, "to"));
	pdf_new_page(p);
	pdf_paragraph(p, title ? title : "Report", 18, true);
	set_font(p->cr, 9, false);
	pdf_paragraph(p, ReportSubtitle(report), 9, false);
	p->y += 6;
	for (int i = 0; i < ReportLength(sections); i++)
	{
		JsonbContainer *sec = ReportContainer(ReportAt(sections, i));
		char	   *kind = ReportGetText(sec, "kind");

		if (kind == NULL)
			continue;
		/* a chart's heading goes to the next page with the chart */
		if (strcmp(kind, "chart") == 0)
			pdf_need(p, PDF_CHART_H + 48);
		pdf_heading(p, ReportGetText(sec, "title"));
		if (strcmp(kind, "text") == 0)
			pdf_paragraph(p, ReportGetText(sec, "text"), 10, false);
		else if (strcmp(kind, "kpis") == 0)
			pdf_tiles(p, ReportGetContainer(sec, "tiles"));
		else if (strcmp(kind, "table") == 0 || strcmp(kind, "goals") == 0)
			pdf_table(p, sec);
		else if (strcmp(kind, "chart") == 0)
		{
			pdf_need(p, PDF_CHART_H + 8);
			ReportDrawChart(p->cr, ReportGetContainer(sec, "spec"), MARGIN, p->y, PAGE_W - 2 * MARGIN, PDF_CHART_H);
			p->y += PDF_CHART_H + 8;
		}
		p->y += 4;
	}
}

static cairo_status_t
write_to_buffer(void *closure, const unsigned char *data, unsigned int length)
{
	appendBinaryStringInfo((StringInfo) closure, (const char *) data, (int) length);
	return CAIRO_STATUS_SUCCESS;
}

static cairo_status_t
write_nowhere(void *closure, const unsigned char *data, unsigned int length)
{
	(void) closure;
	(void) data;
	(void) length;
	return CAIRO_STATUS_SUCCESS;
}

static void
check_cairo(cairo_status_t status, const char *what)
{
	if (status != CAIRO_STATUS_SUCCESS)
		ereport(ERROR,
				(errcode(ERRCODE_EXTERNAL_ROUTINE_EXCEPTION),
				 errmsg("%s failed", what),
				 errdetail("cairo reported: %s.", cairo_status_to_string(status))));
}

/* One pass of the PDF: into buf, or nowhere (counting pages) */
static int
pdf_pass(JsonbContainer *doc, StringInfo buf, int pages)
{
	cairo_surface_t *volatile surface;
	cairo_t    *volatile cr = NULL;
	Pdf			p = {0};
	cairo_status_t status;

	surface = cairo_pdf_surface_create_for_stream(buf ? write_to_buffer : write_nowhere, buf, PAGE_W, PAGE_H);
	PG_TRY();
	{
		check_cairo(cairo_surface_status(surface), "creating the PDF");
		cr = cairo_create(surface);
		p.cr = cr;
		p.pages = pages;
		pdf_document(&p, doc);
		cairo_show_page(cr);
		status = cairo_status(cr);
		check_cairo(status, "drawing the PDF");
	}
	PG_CATCH();
	{
		if (cr != NULL)
			cairo_destroy(cr);
		cairo_surface_destroy(surface);
		PG_RE_THROW();
	}
	PG_END_TRY();
	cairo_destroy(cr);
	cairo_surface_finish(surface);
	status = cairo_surface_status(surface);
	cairo_surface_destroy(surface);
	check_cairo(status, "writing the PDF");
	return p.page;
}

static bytea *
ReportRenderPdf(JsonbContainer *doc)
{
	StringInfoData buf;
	int			pages = pdf_pass(doc, NULL, 0);
	bytea	   *result;

	initStringInfo(&buf);
	(void) pdf_pass(doc, &buf, pages);
	result = palloc(VARHDRSZ + buf.len);
	SET_VARSIZE(result, VARHDRSZ + buf.len);
	memcpy(VARDATA(result), buf.data, buf.len);
	return result;
}

/* ---------- HTML with inline SVG ---------- */

static void
html_escape(StringInfo buf, const char *s)
{
	for (; s != NULL && *s; s++)
	{
		switch (*s)
		{
			case '<':
				appendStringInfoString(buf, "&lt;");
				break;
			case '>':
				appendStringInfoString(buf, "&gt;");
				break;
			case '&':
				appendStringInfoString(buf, "&amp;");
				break;
			case '"':
				appendStringInfoString(buf, "&quot;");
				break;
			default:
				appendStringInfoChar(buf, *s);
		}
	}
}

/* A chart as an SVG image, without the XML declaration */
/* charts of this document so far: their ids' prefix */
static int	html_charts = 0;

/*
 * Append an SVG with its ids (glyphs, clips, surfaces) prefixed by the
 * chart's number: every cairo SVG names them alike, and ids must be unique
 * in one page, or a browser draws a later chart with the first's glyphs.
 */
static void
html_svg_prefixed(StringInfo html, const char *svg, int chart)
{
	static const char *const refs[] = {"id=\"", "href=\"#", "url(#"};
	const char *p = svg;

	while (*p)
	{
		const char *next = NULL;
		int			which = -1;

		for (int i = 0; i < (int) lengthof(refs); i++)
		{
			const char *q = strstr(p, refs[i]);

			if (q != NULL && (next == NULL || q < next))
			{
				next = q;
				which = i;
			}
		}
		if (next == NULL)
		{
			appendStringInfoString(html, p);
			break;
		}
		next += strlen(refs[which]);
		appendBinaryStringInfo(html, p, next - p);
		appendStringInfo(html, "c%d-", chart);
		p = next;
	}
}

static void
html_chart(StringInfo html, JsonbContainer *spec)
{
	StringInfoData svg;
	cairo_surface_t *volatile surface;
	cairo_t    *volatile cr = NULL;
	cairo_status_t status;
	char	   *start;

	initStringInfo(&svg);
	surface = cairo_svg_surface_create_for_stream(write_to_buffer, &svg, SVG_CHART_W, SVG_CHART_H);
	PG_TRY();
	{
		check_cairo(cairo_surface_status(surface), "creating an SVG chart");
		cr = cairo_create(surface);
		cairo_set_source_rgb(cr, 1, 1, 1);
		cairo_paint(cr);
		ReportDrawChart(cr, spec, 4, 4, SVG_CHART_W - 8, SVG_CHART_H - 8);
		check_cairo(cairo_status(cr), "drawing an SVG chart");
	}
	PG_CATCH();
	{
		if (cr != NULL)
			cairo_destroy(cr);
		cairo_surface_destroy(surface);
		PG_RE_THROW();
	}
	PG_END_TRY();
	cairo_destroy(cr);
	cairo_surface_finish(surface);
	status = cairo_surface_status(surface);
	cairo_surface_destroy(surface);
	check_cairo(status, "writing an SVG chart");
	start = strstr(svg.data, "<svg");
	html_svg_prefixed(html, start ? start : svg.data, ++html_charts);
}

static void
html_table(StringInfo html, JsonbContainer *sec)
{
	JsonbContainer *cols = ReportGetContainer(sec, "columns");
	JsonbContainer *rows = ReportGetContainer(sec, "rows");
	int			nc = ReportLength(cols);

	appendStringInfoString(html, "<table style=\"border-collapse:collapse;font-size:13px\">\n<tr>");
	for (int c = 0; c < nc; c++)
	{
		appendStringInfoString(html, "<th style=\"background:#dde3ec;padding:3px 8px;text-align:left\">");
		html_escape(html, ReportGetText(ReportContainer(ReportAt(cols, c)), "label"));
		appendStringInfoString(html, "</th>");
	}
	appendStringInfoString(html, "</tr>\n");
	for (int r = 0; r < ReportLength(rows); r++)
	{
		JsonbContainer *row = ReportContainer(ReportAt(rows, r));

		CHECK_FOR_INTERRUPTS_EVERY(r, INTERRUPT_CADENCE_COSTLY);
		appendStringInfoString(html, "<tr>");
		for (int c = 0; c < nc && c < ReportLength(row); c++)
		{
			JsonbContainer *col = ReportContainer(ReportAt(cols, c));
			char	   *type = ReportGetText(col, "type");
			bool		num = type != NULL && (strcmp(type, "number") == 0 || strcmp(type, "integer") == 0);

			appendStringInfo(html, "<td style=\"padding:2px 8px;border-bottom:1px solid #eee%s\">",
							 num ? ";text-align:right" : "");
			html_escape(html, ReportFormatCell(ReportAt(row, c), type, ReportGetText(col, "format")));
			appendStringInfoString(html, "</td>");
		}
		appendStringInfoString(html, "</tr>\n");
	}
	appendStringInfoString(html, "</table>\n");
}

static bytea *
ReportRenderHtml(JsonbContainer *doc)
{
	JsonbContainer *report = ReportGetContainer(doc, "report");
	JsonbContainer *sections = ReportGetContainer(doc, "sections");
	StringInfoData html;
	bytea	   *result;

	html_charts = 0;
	initStringInfo(&html);
	appendStringInfoString(&html, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>");
	html_escape(&html, ReportGetText(report, "title"));
	appendStringInfoString(&html, "</title></head>\n<body style=\"font-family:'DejaVu Sans',Arial,sans-serif;color:#222\">\n<h1>");
	html_escape(&html, ReportGetText(report, "title"));
	appendStringInfoString(&html, "</h1>\n<p>");
	html_escape(&html, ReportSubtitle(report));
	appendStringInfoString(&html, "</p>\n");
	for (int i = 0; i < ReportLength(sections); i++)
	{
		JsonbContainer *sec = ReportContainer(ReportAt(sections, i));
		char	   *kind = ReportGetText(sec, "kind");
		char	   *title = ReportGetText(sec, "title");

		if (kind == NULL)
			continue;
		if (title != NULL)
		{
			appendStringInfoString(&html, "<h2>");
			html_escape(&html, title);
			appendStringInfoString(&html, "</h2>\n");
		}
		if (strcmp(kind, "text") == 0)
		{
			appendStringInfoString(&html, "<p>");
			html_escape(&html, ReportGetText(sec, "text"));
			appendStringInfoString(&html, "</p>\n");
		}
		else if (strcmp(kind, "kpis") == 0)
		{
			JsonbContainer *tiles = ReportGetContainer(sec, "tiles");

			appendStringInfoString(&html, "<table style=\"border-collapse:separate;border-spacing:8px\"><tr>\n");
			for (int t = 0; t < ReportLength(tiles); t++)
			{
				JsonbContainer *tile = ReportContainer(ReportAt(tiles, t));
				double		pct;

				appendStringInfoString(&html, "<td style=\"background:#f2f4f8;padding:8px 12px\"><div style=\"font-size:12px;color:#555\">");
				html_escape(&html, ReportMetricTitle(ReportGetText(tile, "metric")));
				appendStringInfoString(&html, "</div><div style=\"font-size:20px;font-weight:bold\">");
				html_escape(&html, ReportTileValue(tile));
				appendStringInfoString(&html, "</div><div style=\"font-size:12px\">");
				if (ReportNumber(ReportGet(tile, "change_pct"), &pct))
					appendStringInfo(&html, "%s %s%% vs previous", pct >= 0 ? "&#9650;" : "&#9660;",
									 ReportFormatNumber(fabs(pct), "0.0", false));
				appendStringInfoString(&html, "</div></td>\n");
			}
			appendStringInfoString(&html, "</tr></table>\n");
		}
		else if (strcmp(kind, "table") == 0 || strcmp(kind, "goals") == 0)
			html_table(&html, sec);
		else if (strcmp(kind, "chart") == 0)
		{
			appendStringInfoString(&html, "<div>");
			html_chart(&html, ReportGetContainer(sec, "spec"));
			appendStringInfoString(&html, "</div>\n");
		}
	}
	appendStringInfoString(&html, "</body></html>\n");
	result = palloc(VARHDRSZ + html.len);
	SET_VARSIZE(result, VARHDRSZ + html.len);
	memcpy(VARDATA(result), html.data, html.len);
	return result;
}

/* ---------- Excel (libxlsxwriter) ---------- */

typedef struct Xlsx
{
	lxw_workbook *wb;
	lxw_format *bold;
	lxw_format *title;
	lxw_format *header;
	lxw_format *date;
	lxw_format *timestamp;
	List	   *sheet_names;	/* lower-cased, to keep them unique */
	List	   *formats;		/* number formats made so far, by string */
	List	   *format_objs;
} Xlsx;

static void
check_xlsx(lxw_error err, const char *what)
{
	if (err != LXW_NO_ERROR)
		ereport(ERROR,
				(errcode(ERRCODE_EXTERNAL_ROUTINE_EXCEPTION),
				 errmsg("%s failed", what),
				 errdetail("libxlsxwriter reported: %s.", lxw_strerror(err))));
}

/*
 * A sheet's name: Excel allows 31 characters and none of []:*?/\; names
 * are unique regardless of case, so a repeated one gets " (2)", " (3)", ...
 */
static lxw_worksheet *
xlsx_sheet(Xlsx *x, const char *wanted)
{
	char		base[32];
	char	   *name = NULL;
	int			n = 0;
	int			len = 0;
	lxw_worksheet *ws;

	for (const char *s = wanted; *s && len < 28; s++)
		if (strchr("[]:*?/\\'", *s) == NULL)
			base[len++] = *s;
	/* do not cut a UTF-8 character in two */
	while (len > 0 && (base[len - 1] & 0xC0) == 0x80)
		len--;
	if (len > 0 && (base[len - 1] & 0x80))
		len--;
	base[len] = '\0';
	if (len == 0)
		strcpy(base, "Sheet");
	for (;;)
	{
		bool		taken = false;
		ListCell   *lc;
		char	   *lower;

		name = n == 0 ? pstrdup(base) : psprintf("%.24s (%d)", base, n + 1);
		lower = str_tolower(name, strlen(name), DEFAULT_COLLATION_OID);
		foreach(lc, x->sheet_names)
			if (strcmp((char *) lfirst(lc), lower) == 0)
				taken = true;
		if (!taken)
		{
			x->sheet_names = lappend(x->sheet_names, lower);
			break;
		}
		n++;
	}
	ws = workbook_add_worksheet(x->wb, name);
	if (ws == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_EXTERNAL_ROUTINE_EXCEPTION),
				 errmsg("could not add the worksheet \"%s\"", name)));
	return ws;
}

/*
 * The Excel number format of a template's format: the same pattern, but a
 * percent sign is written as a literal (the values are percentages already,
 * Excel's % would multiply them by 100); NULL for the default.
 */
static lxw_format *
xlsx_number_format(Xlsx *x, const char *format, bool integer)
{
	StringInfoData buf;
	ListCell   *lc1,
			   *lc2;
	lxw_format *f;

	initStringInfo(&buf);
	if (format == NULL || format[0] == '\0')
		appendStringInfoString(&buf, integer ? "#,##0" : "#,##0.00");
	else
		for (const char *s = format; *s; s++)
		{
			if (*s == '%')
				appendStringInfoString(&buf, "\"%\"");
			else
				appendStringInfoChar(&buf, *s);
		}
	forboth(lc1, x->formats, lc2, x->format_objs)
		if (strcmp((char *) lfirst(lc1), buf.data) == 0)
			return (lxw_format *) lfirst(lc2);
	f = workbook_add_format(x->wb);
	format_set_num_format(f, buf.data);
	x->formats = lappend(x->formats, buf.data);
	x->format_objs = lappend(x->format_objs, f);
	return f;
}

/* An ISO date or timestamp ("2026-02-23", "2026-02-23 09:30:00+00") */
static bool
xlsx_parse_datetime(const char *s, lxw_datetime *dt, bool *has_time)
{
	int			y,
				m,
				d,
				hh = 0,
				mi = 0;
	double		ss = 0;
	int			n;

	if (s == NULL || sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &n) != 3 || n != 10)
		return false;
	*has_time = false;
	if (s[10] == ' ' || s[10] == 'T')
	{
		if (sscanf(s + 11, "%2d:%2d:%lf", &hh, &mi, &ss) != 3)
			return false;
		*has_time = true;
	}
	else if (s[10] != '\0')
		return false;
	if (y < 1900 || y > 9999)
		return false;
	dt->year = y;
	dt->month = m;
	dt->day = d;
	dt->hour = hh;
	dt->min = mi;
	dt->sec = ss;
	return true;
}

/* One cell, typed: a number, a date, a timestamp, a boolean or text */
static void
xlsx_cell(Xlsx *x, lxw_worksheet *ws, int row, int col, JsonbValue *v, const char *type, const char *format)
{
	double		num;
	lxw_datetime dt;
	bool		has_time;
	char	   *t;

	if (v == NULL || v->type == jbvNull)
		return;
	if (ReportNumber(v, &num))
	{
		check_xlsx(worksheet_write_number(ws, row, col, num,
										  xlsx_number_format(x, format, type != NULL && strcmp(type, "integer") == 0)),
				   "writing a number");
		return;
	}
	if (v->type == jbvBool)
	{
		check_xlsx(worksheet_write_boolean(ws, row, col, v->val.boolean, NULL), "writing a boolean");
		return;
	}
	t = ReportText(v);
	if (type != NULL && (strcmp(type, "date") == 0 || strcmp(type, "timestamp") == 0) &&
		xlsx_parse_datetime(t, &dt, &has_time))
	{
		lxw_format *f = has_time ? x->timestamp : x->date;

		if (!has_time && format != NULL && strcmp(format, "yyyy-mm") == 0)
			f = xlsx_number_format(x, "yyyy-mm", false);
		check_xlsx(worksheet_write_datetime(ws, row, col, &dt, f), "writing a date");
		return;
	}
	check_xlsx(worksheet_write_string(ws, row, col, t, NULL), "writing text");
}

/* A table section: its own sheet, a bold frozen header, typed cells */
static void
xlsx_table(Xlsx *x, JsonbContainer *sec, const char *sheet_name)
{
	JsonbContainer *cols = ReportGetContainer(sec, "columns");
	JsonbContainer *rows = ReportGetContainer(sec, "rows");
	int			nc = ReportLength(cols);
	int			nr = ReportLength(rows);
	lxw_worksheet *ws = xlsx_sheet(x, sheet_name);

	for (int c = 0; c < nc; c++)
	{
		JsonbContainer *col = ReportContainer(ReportAt(cols, c));
		char	   *label = ReportGetText(col, "label");
		char	   *type = ReportGetText(col, "type");
		double		width = Max(10, strlen(label ? label : "") + 2);

		if (type != NULL && strcmp(type, "timestamp") == 0)
			width = Max(width, 20);
		else if (type != NULL && strcmp(type, "text") == 0)
			width = Max(width, 18);
		check_xlsx(worksheet_write_string(ws, 0, c, label ? label : "", x->header), "writing a header");
		check_xlsx(worksheet_set_column(ws, c, c, width, NULL), "setting a column's width");
	}
	worksheet_freeze_panes(ws, 1, 0);
	for (int r = 0; r < nr; r++)
	{
		JsonbContainer *row = ReportContainer(ReportAt(rows, r));

		CHECK_FOR_INTERRUPTS_EVERY(r, INTERRUPT_CADENCE_COSTLY);
		if (r + 1 >= LXW_ROW_MAX)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("table \"%s\" has too many rows for an Excel sheet", sheet_name),
					 errdetail("A sheet holds at most %d rows.", LXW_ROW_MAX - 1)));
		for (int c = 0; c < nc && c < ReportLength(row); c++)
		{
			JsonbContainer *col = ReportContainer(ReportAt(cols, c));

			xlsx_cell(x, ws, r + 1, c, ReportAt(row, c), ReportGetText(col, "type"), ReportGetText(col, "format"));
		}
	}
	if (nc > 0 && nr > 0)
		check_xlsx(worksheet_autofilter(ws, 0, 0, nr, nc - 1), "setting a filter");
}

/*
 * A chart section: a sheet with its data (x down, one column per series;
 * a heatmap as the 7 x 24 grid with a colour scale) and a native chart of it.
 */
static void
xlsx_chart(Xlsx *x, JsonbContainer *spec, const char *sheet_name)
{
	JsonbContainer *meta = ReportGetContainer(ReportGetContainer(spec, "usermeta"), "analytics");
	JsonbContainer *values = ReportGetContainer(ReportGetContainer(spec, "data"), "values");
	char	   *kind = ReportGetText(meta, "kind");
	char	   *xname = ReportGetText(meta, "x");
	char	   *ytitle = ReportGetText(meta, "y_title");
	char	   *title = ReportGetText(spec, "title");
	bool		temporal = false;
	lxw_worksheet *ws = xlsx_sheet(x, sheet_name);
	char	   *sname = ws->name;
	lxw_chart  *chart;
	Names		xs = {0, 0, NULL},
				series = {0, 0, NULL};
	int			n = ReportLength(values);
	char	   *tmp;

	if (kind == NULL)
		kind = "bar";
	tmp = ReportGetText(meta, "x_type");
	temporal = tmp != NULL && strcmp(tmp, "temporal") == 0;
	if (strcmp(kind, "heatmap") == 0)
	{
		static const char *const days[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
		lxw_conditional_format cf = {0};

		check_xlsx(worksheet_write_string(ws, 0, 0, "day of week \\ hour (UTC)", x->header), "writing a header");
		for (int h = 0; h < 24; h++)
			check_xlsx(worksheet_write_number(ws, 0, h + 1, h, x->header), "writing a header");
		for (int d = 0; d < 7; d++)
		{
			check_xlsx(worksheet_write_string(ws, d + 1, 0, days[d], x->bold), "writing a label");
			for (int h = 0; h < 24; h++)
				check_xlsx(worksheet_write_number(ws, d + 1, h + 1, 0, NULL), "writing a number");
		}
		for (int i = 0; i < n; i++)
		{
			JsonbContainer *d = ReportContainer(ReportAt(values, i));
			double		dow,
						hour,
						v;

			if (ReportNumber(ReportGet(d, "dow_number"), &dow) && ReportNumber(ReportGet(d, "hour"), &hour) &&
				ReportNumber(ReportGet(d, "value"), &v) && dow >= 1 && dow <= 7 && hour >= 0 && hour <= 23)
				check_xlsx(worksheet_write_number(ws, (int) dow, (int) hour + 1, v, NULL), "writing a number");
		}
		check_xlsx(worksheet_set_column(ws, 0, 0, 22, NULL), "setting a column's width");
		check_xlsx(worksheet_set_column(ws, 1, 24, 5, NULL), "setting a column's width");
		cf.type = LXW_CONDITIONAL_2_COLOR_SCALE;
		cf.min_color = 0xFFFFFF;
		cf.max_color = 0x1F77B4;
		check_xlsx(worksheet_conditional_format_range(ws, 1, 1, 7, 24, &cf), "setting a colour scale");
		worksheet_freeze_panes(ws, 1, 1);
		return;
	}

	/* categories and series, in order of appearance */
	for (int i = 0; i < n; i++)
	{
		JsonbContainer *d = ReportContainer(ReportAt(values, i));
		char	   *s = ReportGetText(d, "series");

		names_index(&xs, ReportGetText(d, "x") ? ReportGetText(d, "x") : "", true);
		names_index(&series, s ? s : (ytitle ? ytitle : "value"), true);
	}
	check_xlsx(worksheet_write_string(ws, 0, 0, xname ? xname : "x", x->header), "writing a header");
	for (int s = 0; s < series.n; s++)
		check_xlsx(worksheet_write_string(ws, 0, s + 1, series.v[s], x->header), "writing a header");
	if (strcmp(kind, "pie") == 0)
		check_xlsx(worksheet_write_string(ws, 0, 2, "percent", x->header), "writing a header");
	for (int r = 0; r < xs.n; r++)
	{
		JsonbValue	v;

		v.type = jbvString;
		v.val.string.val = xs.v[r];
		v.val.string.len = strlen(xs.v[r]);
		xlsx_cell(x, ws, r + 1, 0, &v, temporal ? "date" : "text", NULL);
	}
	for (int i = 0; i < n; i++)
	{
		JsonbContainer *d = ReportContainer(ReportAt(values, i));
		char	   *s = ReportGetText(d, "series");
		int			r = names_index(&xs, ReportGetText(d, "x") ? ReportGetText(d, "x") : "", false);
		int			c = names_index(&series, s ? s : (ytitle ? ytitle : "value"), false);

		CHECK_FOR_INTERRUPTS_EVERY(i, INTERRUPT_CADENCE_COSTLY);
		xlsx_cell(x, ws, r + 1, c + 1, ReportGet(d, "value"), "number", NULL);
		if (strcmp(kind, "pie") == 0)
			xlsx_cell(x, ws, r + 1, 2, ReportGet(d, "percent"), "number", "0.00");
	}
	check_xlsx(worksheet_set_column(ws, 0, series.n + 1, 14, NULL), "setting a column's width");
	worksheet_freeze_panes(ws, 1, 0);
	if (xs.n == 0)
		return;

	chart = workbook_add_chart(x->wb, strcmp(kind, "pie") == 0 ? LXW_CHART_PIE :
							   strcmp(kind, "line") == 0 ? LXW_CHART_LINE :
							   strcmp(kind, "area") == 0 ? LXW_CHART_AREA : LXW_CHART_COLUMN);
	if (chart == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_EXTERNAL_ROUTINE_EXCEPTION),
				 errmsg("could not add a chart to the workbook")));
	for (int s = 0; s < series.n; s++)
	{
		lxw_chart_series *cs = chart_add_series(chart, NULL, NULL);

		chart_series_set_categories(cs, sname, 1, 0, xs.n, 0);
		chart_series_set_values(cs, sname, 1, s + 1, xs.n, s + 1);
		chart_series_set_name_range(cs, sname, 0, s + 1);
	}
	if (title != NULL)
		chart_title_set_name(chart, title);
	if (strcmp(kind, "pie") != 0)
	{
		if (xname)
			chart_axis_set_name(chart->x_axis, xname);
		if (ytitle)
			chart_axis_set_name(chart->y_axis, ytitle);
		if (series.n == 1)
			chart_legend_set_position(chart, LXW_CHART_LEGEND_NONE);
	}
	check_xlsx(worksheet_insert_chart(ws, 1, series.n + 3, chart), "inserting a chart");
}

/* The first sheet: title, period, texts and KPI tiles */
static void
xlsx_summary(Xlsx *x, JsonbContainer *doc)
{
	JsonbContainer *report = ReportGetContainer(doc, "report");
	JsonbContainer *period = ReportGetContainer(report, "period");
	JsonbContainer *sections = ReportGetContainer(doc, "sections");
	lxw_worksheet *ws = xlsx_sheet(x, "Report");
	int			row = 0;
	JsonbValue	v;

	check_xlsx(worksheet_set_column(ws, 0, 0, 28, NULL), "setting a column's width");
	check_xlsx(worksheet_set_column(ws, 1, 4, 16, NULL), "setting a column's width");
	check_xlsx(worksheet_write_string(ws, row++, 0, ReportGetText(report, "title"), x->title), "writing the title");
	check_xlsx(worksheet_write_string(ws, row, 0, "Report", x->bold), "writing a label");
	check_xlsx(worksheet_write_string(ws, row++, 1, ReportGetText(report, "name"), NULL), "writing text");
	check_xlsx(worksheet_write_string(ws, row, 0, "Period from (UTC)", x->bold), "writing a label");
	xlsx_cell(x, ws, row++, 1, ReportGet(period, "from"), "date", NULL);
	check_xlsx(worksheet_write_string(ws, row, 0, "Period to (UTC)", x->bold), "writing a label");
	xlsx_cell(x, ws, row++, 1, ReportGet(period, "to"), "date", NULL);
	check_xlsx(worksheet_write_string(ws, row, 0, "Generated (UTC)", x->bold), "writing a label");
	v.type = jbvString;
	v.val.string.val = ReportGetText(report, "generated_at");
	v.val.string.len = v.val.string.val ? strlen(v.val.string.val) : 0;
	if (v.val.string.val && v.val.string.len > 19)
		v.val.string.len = 19;	/* without the Z: a UTC timestamp */
	xlsx_cell(x, ws, row++, 1, &v, "timestamp", NULL);
	row++;
	for (int i = 0; i < ReportLength(sections); i++)
	{
		JsonbContainer *sec = ReportContainer(ReportAt(sections, i));
		char	   *kind = ReportGetText(sec, "kind");
		char	   *title = ReportGetText(sec, "title");

		if (kind == NULL)
			continue;
		if (strcmp(kind, "text") == 0)
		{
			if (title)
				check_xlsx(worksheet_write_string(ws, row++, 0, title, x->bold), "writing text");
			check_xlsx(worksheet_write_string(ws, row++, 0, ReportGetText(sec, "text"), NULL), "writing text");
			row++;
		}
		else if (strcmp(kind, "kpis") == 0)
		{
			JsonbContainer *tiles = ReportGetContainer(sec, "tiles");
			static const char *const heads[] = {"Metric", "Value", "Previous", "Change", "Change %"};

			if (title)
				check_xlsx(worksheet_write_string(ws, row++, 0, title, x->bold), "writing text");
			for (int c = 0; c < 5; c++)
				check_xlsx(worksheet_write_string(ws, row, c, heads[c], x->header), "writing a header");
			row++;
			for (int t = 0; t < ReportLength(tiles); t++)
			{
				JsonbContainer *tile = ReportContainer(ReportAt(tiles, t));

				check_xlsx(worksheet_write_string(ws, row, 0, ReportMetricTitle(ReportGetText(tile, "metric")), NULL), "writing text");
				xlsx_cell(x, ws, row, 1, ReportGet(tile, "value"), "number", "#,##0.00");
				xlsx_cell(x, ws, row, 2, ReportGet(tile, "previous_value"), "number", "#,##0.00");
				xlsx_cell(x, ws, row, 3, ReportGet(tile, "change"), "number", "#,##0.00");
				xlsx_cell(x, ws, row, 4, ReportGet(tile, "change_pct"), "number", "0.0%");
				row++;
			}
			row++;
		}
	}
}

static void
xlsx_document(Xlsx *x, JsonbContainer *doc)
{
	JsonbContainer *sections = ReportGetContainer(doc, "sections");

	x->bold = workbook_add_format(x->wb);
	format_set_bold(x->bold);
	x->title = workbook_add_format(x->wb);
	format_set_bold(x->title);
	format_set_font_size(x->title, 16);
	x->header = workbook_add_format(x->wb);
	format_set_bold(x->header);
	format_set_bg_color(x->header, 0xDDE3EC);
	format_set_bottom(x->header, LXW_BORDER_THIN);
	x->date = workbook_add_format(x->wb);
	format_set_num_format(x->date, "yyyy-mm-dd");
	x->timestamp = workbook_add_format(x->wb);
	format_set_num_format(x->timestamp, "yyyy-mm-dd hh:mm:ss");

	xlsx_summary(x, doc);
	for (int i = 0; i < ReportLength(sections); i++)
	{
		JsonbContainer *sec = ReportContainer(ReportAt(sections, i));
		char	   *kind = ReportGetText(sec, "kind");
		char	   *name = ReportGetText(sec, "title");

		if (name == NULL)
			name = ReportGetText(sec, "name");
		if (kind == NULL)
			continue;
		if (strcmp(kind, "table") == 0 || strcmp(kind, "goals") == 0)
			xlsx_table(x, sec, name ? name : (strcmp(kind, "goals") == 0 ? "Goals" : psprintf("Table %d", i + 1)));
		else if (strcmp(kind, "chart") == 0)
			xlsx_chart(x, ReportGetContainer(sec, "spec"), name ? name : psprintf("Chart %d", i + 1));
	}
}

/*
 * libxlsxwriter 1.1 writes only to a file: the workbook is made in the
 * cluster's temporary directory under a pgsql_tmp name (so a crash leaves
 * nothing the next start does not remove), read back and unlinked.
 */
static bytea *
ReportRenderXlsx(JsonbContainer *doc)
{
	static int	counter = 0;
	char	   *path;
	lxw_workbook_options options = {0};
	lxw_workbook *volatile wb = NULL;
	Xlsx		x = {0};
	lxw_error	err;
	bytea	   *result;
	FILE	   *f;
	long		size;

	(void) MakePGDirectory("base/" PG_TEMP_FILES_DIR);
	path = psprintf("base/%s/%s_analytics_%d_%d.xlsx", PG_TEMP_FILES_DIR, PG_TEMP_FILE_PREFIX,
					MyProcPid, counter++);
	options.tmpdir = "base/" PG_TEMP_FILES_DIR;
	wb = workbook_new_opt(path, &options);
	if (wb == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_EXTERNAL_ROUTINE_EXCEPTION),
				 errmsg("could not start an Excel workbook")));
	PG_TRY();
	{
		x.wb = wb;
		xlsx_document(&x, doc);
		err = workbook_close(wb);
		wb = NULL;
		check_xlsx(err, "writing the Excel workbook");

		f = AllocateFile(path, PG_BINARY_R);
		if (f == NULL)
			ereport(ERROR,
					(errcode_for_file_access(),
					 errmsg("could not open file \"%s\": %m", path)));
		if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0)
			ereport(ERROR,
					(errcode_for_file_access(),
					 errmsg("could not read file \"%s\": %m", path)));
		if ((Size) size > MaxAllocSize - VARHDRSZ)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("the Excel workbook is too large (%ld bytes)", size)));
		result = palloc(VARHDRSZ + size);
		SET_VARSIZE(result, VARHDRSZ + size);
		if (fread(VARDATA(result), 1, size, f) != (size_t) size)
			ereport(ERROR,
					(errcode_for_file_access(),
					 errmsg("could not read file \"%s\": %m", path)));
		FreeFile(f);
	}
	PG_CATCH();
	{
		/* an unfinished workbook is closed only to free it: discard it */
		if (wb != NULL)
			(void) workbook_close(wb);
		(void) unlink(path);
		PG_RE_THROW();
	}
	PG_END_TRY();
	if (unlink(path) != 0)
		ereport(WARNING,
				(errcode_for_file_access(),
				 errmsg("could not remove file \"%s\": %m", path)));
	return result;
}

/* ---------- the SQL function ---------- */

PG_FUNCTION_INFO_V1(report_render);

/*
 * analytics_internal._report_render_file(doc jsonb, format text) -> bytea:
 * a report's document as a PDF, HTML or Excel file.
 */
Datum
report_render(PG_FUNCTION_ARGS)
{
	Jsonb	   *doc = PG_GETARG_JSONB_P(0);
	char	   *format = text_to_cstring(PG_GETARG_TEXT_PP(1));

	if (!JB_ROOT_IS_OBJECT(doc))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a report document must be a JSON object")));
	if (strcmp(format, "pdf") == 0)
		PG_RETURN_BYTEA_P(ReportRenderPdf(&doc->root));
	if (strcmp(format, "html") == 0)
		PG_RETURN_BYTEA_P(ReportRenderHtml(&doc->root));
	if (strcmp(format, "xlsx") == 0)
		PG_RETURN_BYTEA_P(ReportRenderXlsx(&doc->root));
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unknown rendered format \"%s\"", format),
			 errhint("The rendered formats are pdf, html and xlsx.")));
	PG_RETURN_NULL();
}
