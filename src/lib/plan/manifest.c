/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Kubernetes manifests: multi-document YAML loaded with libyaml's document
 * API, then every pod template of a workload turned into planner containers.
 * Unknown kinds (Service, ConfigMap, ...) are skipped; a workload whose shape
 * is wrong is an error naming file and line.
 */
#include "plan/internal.h"
#include "util/util.h"

#include <ctype.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int hp_yaml_get_pair(yaml_document_t *d, int map, const char *key, int *ret_key)
{
	yaml_node_t *n = hp_yaml_node(d, map);

	if (!hp_yaml_is_map(n))
		return 0;
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top;
	     p++) {
		const char *k = hp_yaml_str(hp_yaml_node(d, p->key));

		if (k && !strcmp(k, key)) {
			if (ret_key)
				*ret_key = p->key;
			return p->value;
		}
	}
	return 0;
}

int hp_yaml_get(yaml_document_t *d, int map, const char *key)
{
	return hp_yaml_get_pair(d, map, key, NULL);
}

void hp_yaml_parse_error(const yaml_parser_t *ps, const char *file, const char *text,
			 struct hp_error *err)
{
	size_t line = ps->problem_mark.line + 1, col = ps->problem_mark.column + 1;
	char from[48] = "";

	if (ps->error == YAML_READER_ERROR) {
		/* the reader gives a byte offset; its marks stay at the start */
		line = 1;
		col = 1;
		for (size_t i = 0; i < ps->problem_offset && text[i]; i++) {
			if (text[i] == '\n') {
				line++;
				col = 1;
			} else if (((unsigned char)text[i] & 0xc0) != 0x80) {
				col++; /* characters, as libyaml's marks count them */
			}
		}
	}
	if (ps->context && ps->context_mark.line + 1 != line)
		snprintf(from, sizeof(from), " (from line %zu)", ps->context_mark.line + 1);
	hp_error_set(err, "%s:%zu:%zu: YAML: %s%s%s%s", file, line, col,
		     ps->problem ? ps->problem : "parse error", ps->context ? " " : "",
		     ps->context ? ps->context : "", from);
}

struct key {
	const char *s;
	unsigned line;
};

static int cmp_key(const void *a, const void *b)
{
	const struct key *x = a, *y = b;
	int c = strcmp(x->s, y->s);

	return c ? c : (x->line > y->line) - (x->line < y->line);
}

int hp_yaml_check_nesting(const char *text, size_t len, const char *file, struct hp_error *err)
{
	unsigned depth = 0, line = 1;

	for (size_t i = 0; i < len; i++) {
		char c = text[i], q;

		switch (c) {
		case '\n':
			line++;
			break;
		case '#': /* a comment where a blank or the line's start is before it */
			if (i && text[i - 1] != ' ' && text[i - 1] != '\t' && text[i - 1] != '\n')
				break;
			while (i + 1 < len && text[i + 1] != '\n')
				i++;
			break;
		case '\'':
		case '"': /* a quoted scalar, its brackets not counted */
			for (q = c, i++; i < len && text[i] != q; i++) {
				if (q == '"' && text[i] == '\\')
					i++;
				else if (text[i] == '\n')
					line++;
			}
			break;
		case '[':
		case '{':
			if (++depth > HP_YAML_MAX_NESTING) {
				hp_error_set(err, "%s:%u: YAML nested more than %d deep", file,
					     line, HP_YAML_MAX_NESTING);
				return -EINVAL;
			}
			break;
		case ']':
		case '}':
			depth -= depth > 0;
			break;
		}
	}
	return 0;
}

static size_t line_break(const char *text, size_t i);

/*
 * Is kn a merge key as go-yaml v2 (kubectl) takes it: "<<" tagged !!merge,
 * or implicit, i.e. plain and untagged, or tagged "!" alone (or "!<!>")
 * in any style (libyaml's and go-yaml's plain_implicit). A "!!str <<" is
 * the key "<<". Without f's text a plain "<<" counts, tagged or not. Any
 * !!merge is refused too, though go-yaml reads one on another key as that
 * key.
 */
static bool merge_key(const struct hp_plan_file *f, const yaml_node_t *kn)
{
	const char *s = hp_yaml_str(kn);
	size_t off;

	if (kn->tag && !strcmp((const char *)kn->tag, "tag:yaml.org,2002:merge"))
		return true;
	if (!s || strcmp(s, "<<"))
		return false;
	if (!f)
		return kn->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
	off = hp_plan_mark_offset(f, kn->start_mark);
	if (off < f->len && f->text[off] == '&')
		off = hp_yaml_past_prop(f, off, NULL, NULL);
	if (off >= f->len || f->text[off] != '!')
		return kn->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
	/* "!" alone, or written verbatim "!<!>", up to a blank or a line break */
	off += strncmp(f->text + off, "!<!>", 4) ? 1 : 4;
	return off >= f->len || strchr(" \t\r\n", f->text[off]) || line_break(f->text, off);
}

int hp_yaml_check_keys(yaml_document_t *d, const struct hp_plan_file *f, const char *file,
		       struct hp_error *err)
{
	_cleanup_free_ struct key *keys = NULL;
	size_t cap = 0;

	/* every node once, also those an alias reaches many times */
	for (yaml_node_t *n = d->nodes.start; n < d->nodes.top; n++) {
		size_t k = 0, np;

		/* "\0" in a quoted scalar would cut every name read as a C string */
		if (n->type == YAML_SCALAR_NODE &&
		    memchr(n->data.scalar.value, '\0', n->data.scalar.length)) {
			hp_error_set(err, "%s:%u: a NUL character in a value", file,
				     hp_yaml_line(n));
			return -EINVAL;
		}
		if (n->type != YAML_MAPPING_NODE)
			continue;
		np = (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);
		if (np > cap) {
			struct key *nk = reallocarray(keys, np, sizeof(*nk));

			if (!nk)
				return -ENOMEM;
			keys = nk;
			cap = np;
		}
		for (yaml_node_pair_t *p = n->data.mapping.pairs.start;
		     p < n->data.mapping.pairs.top; p++) {
			yaml_node_t *kn = hp_yaml_node(d, p->key);
			const char *s = hp_yaml_str(kn);

			/*
			 * kubectl's YAML merges "<<: *base" into the mapping; read
			 * as a plain key, a privileged: true merged in went unseen.
			 */
			if (s && merge_key(f, kn)) {
				hp_error_set(err,
					     "%s:%u: merge keys (<<) are not supported: write the "
					     "keys out",
					     file, hp_yaml_line(kn));
				return -EINVAL;
			}
			if (s)
				keys[k++] = (struct key){.s = s, .line = hp_yaml_line(kn)};
		}
		if (k < 2)
			continue;
		qsort(keys, k, sizeof(*keys), cmp_key);
		for (size_t i = 1; i < k; i++)
			if (!strcmp(keys[i].s, keys[i - 1].s)) {
				hp_error_set(err,
					     "%s:%u: key '%s' given twice in one mapping "
					     "(first at line %u)",
					     file, keys[i].line, keys[i].s, keys[i - 1].line);
				return -EINVAL;
			}
	}
	return 0;
}

bool hp_yaml1_octal(const char *s)
{
	s += *s == '-' || *s == '+';
	if (s[0] != '0' || !s[1] || strspn(s, "01234567") != strlen(s))
		return false;
	s += strspn(s, "0"); /* "0000010" is 010 */
	/*
	 * One digit reads alike either way, and more differ (8^k < 10^k); one
	 * too large for 64 bits go-yaml reads as a decimal float, as here.
	 */
	errno = 0;
	strtoull(s, NULL, 8);
	return strlen(s) > 1 && errno != ERANGE;
}

/*
 * Is d (past its sign) an integer's or a float's form, YAML 1.1's, as strtod
 * reads it whole? *x its value, errno strtod's.
 */
static bool decimal_form(const char *d, double *x)
{
	char *end;

	if (!*d || !strchr("0123456789.", *d) || d[strspn(d, "0123456789.eE+-")] != '\0')
		return false;
	errno = 0;
	*x = strtod(d, &end);
	return !*end;
}

/* Is plain s a number of YAML 1.1's forms as it stands (an int, a float, .inf, .nan)? */
static bool plain_number(const char *s)
{
	static const char *const special[] = { ".inf", ".Inf", ".INF", ".nan", ".NaN", ".NAN" };
	const char *d = s + (*s == '-' || *s == '+');
	double x;

	for (size_t i = 0; i < ARRAY_SIZE(special); i++)
		if (!strcmp(d, special[i]) && (d == s || i < 3))
			return true;
	return decimal_form(d, &x);
}

/*
 * Text s of a number as go-yaml v2 reads it, into buf: its '_' left out
 * where it starts with a digit or a sign and the rest is a number, an
 * integer written 0x, 0o or 0b (Go's base 0, either case) as decimal, a
 * negative zero as 0: "0x10" is 16 cores to kubectl, "1_000" 1000,
 * "1_000m" and "_1" strings. NULL where it reads as the text itself (or
 * does not fit buf).
 */
static const char *yaml1_number(const char *s, char *buf, size_t size)
{
	bool strip = *s && strchr("0123456789+-", *s), stripped = false, neg;
	const char *d, *digits;
	unsigned long long v;
	size_t k = 0;
	int base = 0;
	double x;
	char *end;

	for (; *s && k + 1 < size; s++) {
		if (*s == '_' && strip)
			stripped = true;
		else
			buf[k++] = *s;
	}
	buf[k] = '\0';
	if (*s)
		return NULL;
	d = buf + (*buf == '-' || *buf == '+');
	neg = *buf == '-';
	if (d[0] == '0' && d[1] && strchr("xXoObB", d[1]))
		base = strchr("xX", d[1]) ? 16 : strchr("oO", d[1]) ? 8 : 2;
	if (!base) {
		if (!decimal_form(d, &x) || errno)
			return NULL;
		if (neg && x == 0)
			return strcpy(buf, "0");
		return stripped ? buf : NULL;
	}
	/* Go's digits of the base only: strtoull would skip blanks and a second 0x */
	digits = base == 16 ? "0123456789abcdefABCDEF" : base == 8 ? "01234567" : "01";
	if (!d[2] || d[2 + strspn(d + 2, digits)] != '\0')
		return NULL;
	errno = 0;
	v = strtoull(d + 2, &end, base);
	if (errno == ERANGE || v > (neg ? 1ull << 63 : ~0ull))
		return NULL;
	snprintf(buf, size, "%s%llu", neg && v ? "-" : "", v);
	return buf;
}

/* The booleans of YAML 1.1 (go-yaml v2's, kubectl's). */
int hp_yaml_bool(const yaml_node_t *n, bool *ret)
{
	static const char *const yes[] = { "true", "True", "TRUE", "yes", "Yes", "YES",
					   "on",   "On",   "ON",   "y",	  "Y" };
	static const char *const no[] = { "false", "False", "FALSE", "no", "No", "NO",
					  "off",   "Off",   "OFF",   "n",  "N" };
	const char *s = hp_yaml_str(n);

	if (!s)
		return -EINVAL;
	for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
		if (!strcmp(s, yes[i])) {
			*ret = true;
			return 0;
		}
		if (!strcmp(s, no[i])) {
			*ret = false;
			return 0;
		}
	}
	return -EINVAL;
}

/*
 * A quantity's exact value as Kubernetes keeps it (resource.Quantity): in
 * nano units, a fraction of one rounded up ("0.1n" is 1n), written as
 * HP_PLAN_NANOS_DIGITS decimal digits with leading zeros, so that two
 * compare as strings; -ERANGE where it has more digits.
 *
 * digits, n: the mantissa's digits, without its '.'; whole: how many of
 * them come before the '.', moved by the decimal exponent (a suffix's or
 * an "e"'s); binary: how many times 1024 the suffix multiplies.
 */
static int quantity_nanos(const char *digits, size_t n, long whole, int binary, char *out)
{
	/* 1024^6 adds at most 19 digits in front */
	unsigned char a[HP_PLAN_QUANTITY_TEXT + 24];
	size_t len, first = sizeof(a) - n;
	bool rest = false; /* a digit past the nanos that is not 0 */
	long nanos;

	for (size_t i = 0; i < n; i++) /* right-aligned in a, the digits' values */
		a[first + i] = (unsigned char)(digits[i] - '0');
	while (binary-- > 0) {
		unsigned carry = 0;

		for (size_t i = sizeof(a); i-- > first;) {
			carry += a[i] * 1024u;
			a[i] = (unsigned char)(carry % 10);
			carry /= 10;
		}
		for (; carry; carry /= 10, whole++) /* a digit more before the '.' */
			a[--first] = (unsigned char)(carry % 10);
	}
	for (; first < sizeof(a) && !a[first]; first++) /* leading zeros */
		whole--;
	len = sizeof(a) - first;
	nanos = whole + 9; /* of a[first..]'s digits, how many count whole nanos */
	if (len && nanos > HP_PLAN_NANOS_DIGITS)
		return -ERANGE;
	memset(out, '0', HP_PLAN_NANOS_DIGITS);
	out[HP_PLAN_NANOS_DIGITS] = '\0';
	for (size_t i = 0; i < len; i++) {
		if ((long)i < nanos)
			out[HP_PLAN_NANOS_DIGITS - nanos + (long)i] = (char)('0' + a[first + i]);
		else
			rest |= a[first + i] != 0;
	}
	if (rest) { /* rounded up: one nano more */
		bool carry = true;

		for (long i = HP_PLAN_NANOS_DIGITS - 1; carry && i >= 0; i--) {
			carry = out[i] == '9';
			out[i] = carry ? '0' : (char)(out[i] + 1);
		}
		if (carry)
			return -ERANGE;
	}
	return 0;
}

/*
 * Is the UTF-8 character of n bytes at c white space to Go's unicode.IsSpace
 * (Unicode's White_Space): ASCII's, NEL, NBSP, OGHAM SPACE MARK, U+2000 to
 * U+200A, LINE and PARAGRAPH SEPARATOR, U+202F, U+205F, IDEOGRAPHIC SPACE?
 */
static bool go_space(const unsigned char *c, size_t n)
{
	if (n == 1)
		return *c && strchr(" \t\n\v\f\r", *c);
	if (n == 2)
		return c[0] == 0xc2 && (c[1] == 0x85 || c[1] == 0xa0);
	if (c[0] == 0xe1)
		return c[1] == 0x9a && c[2] == 0x80;
	if (c[0] == 0xe3)
		return c[1] == 0x80 && c[2] == 0x80;
	if (c[0] != 0xe2)
		return false;
	return (c[1] == 0x80 &&
		((c[2] >= 0x80 && c[2] <= 0x8a) || c[2] == 0xa8 || c[2] == 0xa9 || c[2] == 0xaf)) ||
	       (c[1] == 0x81 && c[2] == 0x9f);
}

/*
 * The length of the white space that Go's unicode.IsSpace takes at s (end
 * 0), or just before s + end; 0 if none.
 */
static size_t quantity_space(const char *s, size_t end)
{
	const unsigned char *c = (const unsigned char *)s;
	size_t len = end ? end : strlen(s);

	for (size_t n = 1; n <= 3 && n <= len; n++)
		if (go_space(end ? c + end - n : c, n))
			return n;
	return 0;
}

/* s past the white space before it that hp_plan_quantity drops. */
static const char *quantity_skip_space(const char *s)
{
	for (size_t k; (k = quantity_space(s, 0));)
		s += k;
	return s;
}

bool hp_plan_quantity_digits(const char *s)
{
	s = quantity_skip_space(s);
	s += *s == '+' || *s == '-';
	s += *s == '.';
	return isdigit((unsigned char)*s);
}

int hp_plan_quantity(const char *s, double *ret, char *nanos)
{
	static const struct {
		const char *sfx;
		int binary; /* times 1024 */
		int exp10;
	} units[] = {
		{ "Ki", 1, 0 }, { "Mi", 2, 0 }, { "Gi", 3, 0 }, { "Ti", 4, 0 },
		{ "Pi", 5, 0 }, { "Ei", 6, 0 }, { "n", 0, -9 }, { "u", 0, -6 },
		{ "m", 0, -3 }, { "k", 0, 3 },	{ "M", 0, 6 },	{ "G", 0, 9 },
		{ "T", 0, 12 }, { "P", 0, 15 }, { "E", 0, 18 }, { "", 0, 0 },
	};
	/* HP_PLAN_QUANTITY_MAX in nano units: 1 and 27 zeros */
	static const char cap[] = "00"
				  "1000000000"
				  "000000000"
				  "000000000";
	char digits[HP_PLAN_QUANTITY_TEXT], own[HP_PLAN_NANOS_DIGITS + 1], text[64];
	char trimmed[HP_PLAN_QUANTITY_TEXT + 64];
	long point = -1, exp10 = 0;
	int binary = -1;
	size_t n = 0, len;
	bool neg;

	_Static_assert((long long)HP_PLAN_QUANTITY_MAX == 1000000000000000000LL &&
			   sizeof(cap) == HP_PLAN_NANOS_DIGITS + 1,
		       "cap: HP_PLAN_QUANTITY_MAX in nano units");
	if (!s)
		return -EINVAL;
	/*
	 * Without the spaces around it, as Kubernetes reads one
	 * (Quantity.UnmarshalJSON: strings.TrimSpace, Unicode's White_Space).
	 */
	s = quantity_skip_space(s);
	len = strlen(s);
	for (size_t k; len && (k = quantity_space(s, len));)
		len -= k;
	if (len >= sizeof(trimmed))
		return -E2BIG;
	memcpy(trimmed, s, len);
	trimmed[len] = '\0';
	s = trimmed;
	if (!*s)
		return -EINVAL; /* the one string Kubernetes' grammar refuses for want of digits */
	/* Kubernetes' grammar: [+-] digits [. digits] (or .digits), then a suffix */
	neg = *s == '-';
	s += *s == '+' || *s == '-';
	for (; isdigit((unsigned char)*s) || *s == '.'; s++) {
		if (*s == '.' && point >= 0)
			return -EINVAL;
		if (*s == '.')
			point = (long)n;
		else if (n < sizeof(digits))
			digits[n++] = *s;
		else
			return -E2BIG;
	}
	/*
	 * No digits at all ("." or "m" alone, a sign alone): 0, as Kubernetes'
	 * reader takes them (its numerator "0" where it found none).
	 */
	if (!n)
		digits[n++] = '0';
	if (point < 0)
		point = (long)n;
	/*
	 * An exponent is a suffix of its own ("1e3", not "1e3m"); "E" and "Ei"
	 * alone are the suffixes exa and exbi.
	 */
	if ((*s == 'e' || *s == 'E') && s[1] && strcmp(s, "Ei")) {
		const char *e = s + 1 + (s[1] == '+' || s[1] == '-');
		char *end;

		if (!isdigit((unsigned char)*e))
			return -EINVAL;
		errno = 0;
		exp10 = strtol(s + 1, &end, 10);
		if (*end || errno) /* one past 64 bits Kubernetes refuses too */
			return -EINVAL;
		if (exp10 > 1000 || exp10 < -1000) /* far out of range either way */
			exp10 = exp10 > 0 ? 1000 : -1000;
		binary = 0;
	} else {
		for (size_t i = 0; i < ARRAY_SIZE(units) && binary < 0; i++)
			if (!strcmp(s, units[i].sfx)) {
				binary = units[i].binary;
				exp10 = units[i].exp10;
			}
		if (binary < 0)
			return -EINVAL;
	}
	nanos = nanos ? nanos : own;
	if (quantity_nanos(digits, n, point + exp10, binary, nanos) < 0)
		return neg ? -EINVAL : -ERANGE;
	if (neg && nanos[strspn(nanos, "0")]) /* "-0" is 0; below it, no request or limit */
		return -EINVAL;
	/* the double nearest that exact value: "700m" is 0.7, as "0.7" is */
	snprintf(text, sizeof(text), "%.*s.%s", HP_PLAN_NANOS_DIGITS - 9, nanos,
		 nanos + HP_PLAN_NANOS_DIGITS - 9);
	*ret = strtod(text, NULL);
	return strcmp(nanos, cap) > 0 ? -EDOM : 0;
}

/* ---- loading ------------------------------------------------------------------- */

static void file_free(struct hp_plan_file *f)
{
	for (unsigned i = 0; i < f->n_docs; i++)
		yaml_document_delete(&f->docs[i]);
	free(f->docs);
	free(f->path);
	free(f->text);
	free(f->line_start);
}

void hp_plan_manifests_free(struct hp_plan_manifests *m)
{
	if (!m)
		return;
	for (unsigned i = 0; i < m->n_files; i++)
		file_free(&m->files[i]);
	free(m->files);
	m->files = NULL;
	m->n_files = 0;
}

/*
 * The length of the line break at text + i, 0 if none: every break libyaml
 * counts a line at, so its marks' lines index the table. YAML 1.1 breaks
 * lines at NEL, LS and PS too, in comments and quoted scalars alike
 * (kubectl's go-yaml as well); a CR before LF is part of the LF's break.
 */
static size_t line_break(const char *text, size_t i)
{
	const unsigned char *c = (const unsigned char *)text + i;

	if (c[0] == '\n' || (c[0] == '\r' && c[1] != '\n'))
		return 1;
	if (c[0] == 0xc2 && c[1] == 0x85)
		return 2;
	if (c[0] == 0xe2 && c[1] == 0x80 && (c[2] == 0xa8 || c[2] == 0xa9))
		return 3;
	return 0;
}

size_t hp_yaml_past_prop(const struct hp_plan_file *f, size_t off, size_t *anchor,
			 size_t *anchor_len)
{
	const char *t = f->text;
	bool comment = false;
	size_t k;

	if (off >= f->len || (t[off] != '&' && t[off] != '!'))
		return off;
	if (t[off] == '&') {
		size_t n = 0;

		/* the anchor's name, as libyaml scans it */
		while (isalnum((unsigned char)t[off + 1 + n]) || t[off + 1 + n] == '-' ||
		       t[off + 1 + n] == '_')
			n++;
		if (anchor)
			*anchor = off + 1;
		if (anchor_len)
			*anchor_len = n;
		off += 1 + n;
	} else {
		/* a tag's characters are printable ASCII; flow indicators end it */
		while ((unsigned char)t[off] > ' ' && (unsigned char)t[off] < 0x7f &&
		       !strchr(",[]{}", t[off]))
			off++;
	}
	while (off < f->len) {
		if ((k = line_break(t, off))) {
			off += k;
			comment = false;
		} else if (comment || t[off] == ' ' || t[off] == '\t') {
			off++;
		} else if (t[off] == '#') {
			comment = true;
			off++;
		} else {
			break;
		}
	}
	return off;
}

static int index_lines(struct hp_plan_file *f)
{
	unsigned n = 1;
	size_t k;

	for (size_t i = 0; i < f->len; i++)
		if ((k = line_break(f->text, i)))
			n++, i += k - 1;
	f->line_start = calloc(n, sizeof(size_t));
	if (!f->line_start)
		return -ENOMEM;
	/* libyaml reads past a UTF-8 BOM, and its marks count from after it */
	f->line_start[0] = hp_plan_bom(f->text, f->len);
	n = 1;
	for (size_t i = 0; i < f->len; i++)
		if ((k = line_break(f->text, i)))
			f->line_start[n++] = i + k, i += k - 1;
	f->n_lines = n;
	return 0;
}

size_t hp_plan_mark_offset(const struct hp_plan_file *f, yaml_mark_t m)
{
	size_t off;

	if (m.line >= f->n_lines)
		return f->len;
	off = f->line_start[m.line];
	for (size_t col = 0; col < m.column && off < f->len; col++) {
		unsigned char ch = (unsigned char)f->text[off++];

		if (ch >= 0xc0)
			while (off < f->len && ((unsigned char)f->text[off] & 0xc0) == 0x80)
				off++;
	}
	return off;
}

/* One more document in f, which takes it over (-ENOMEM: deleted). */
static int add_doc(struct hp_plan_file *f, unsigned *cap, yaml_document_t *doc)
{
	if (f->n_docs == *cap) {
		unsigned n = *cap ? *cap * 2 : 8;
		yaml_document_t *nd = reallocarray(f->docs, n, sizeof(*nd));

		if (!nd) {
			yaml_document_delete(doc);
			return -ENOMEM;
		}
		f->docs = nd;
		*cap = n;
	}
	f->docs[f->n_docs++] = *doc;
	return 0;
}

/*
 * The documents of text, len bytes of f's at byte off, into f: all of f as
 * YAML, or one JSON text of a stream (at). A JSON text's marks count from
 * where it is in f: its line, its column on its first line, and the
 * characters before it (at->chars, as libyaml counts them).
 */
struct json_at {
	size_t line, col, chars;
};

static void mark_move(yaml_mark_t *m, const struct json_at *at)
{
	if (!m->line)
		m->column += at->col;
	m->line += at->line;
	m->index += at->chars;
}

static int load_docs(struct hp_plan_file *f, unsigned *cap, size_t off, size_t len,
		     const struct json_at *at, const char *name, struct hp_error *err)
{
	yaml_parser_t parser;
	int r = 0;

	if (!yaml_parser_initialize(&parser))
		return -ENOMEM;
	yaml_parser_set_input_string(&parser, (const unsigned char *)f->text + off, len);
	for (;;) {
		yaml_document_t doc;

		if (!yaml_parser_load(&parser, &doc)) {
			if (at) {
				parser.problem_offset += off; /* a reader error's, in bytes */
				mark_move(&parser.problem_mark, at);
				mark_move(&parser.context_mark, at);
			}
			hp_yaml_parse_error(&parser, name, f->text, err);
			/* a JSON text libyaml cannot read, though jansson did: said why */
			if (at) {
				struct hp_error yerr = *err;

				hp_error_set(err,
					     "%s (libyaml reads each JSON object here and refuses "
					     "some JSON that kubectl takes: an escaped character "
					     "past U+FFFF such as \\ud83d\\ude00 (write it as "
					     "UTF-8); a raw DEL or C1 control; a key's ':' on the "
					     "next line; a key of over 1024 characters)",
					     yerr.msg);
			}
			r = -EINVAL;
			break;
		}
		if (!yaml_document_get_root_node(&doc)) {
			yaml_document_delete(&doc);
			break;
		}
		if (at) {
			mark_move(&doc.start_mark, at);
			mark_move(&doc.end_mark, at);
			for (yaml_node_t *n = doc.nodes.start; n < doc.nodes.top; n++) {
				mark_move(&n->start_mark, at);
				mark_move(&n->end_mark, at);
			}
		}
		r = hp_yaml_check_keys(&doc, f, name, err);
		if (r < 0) {
			yaml_document_delete(&doc);
			break;
		}
		r = add_doc(f, cap, &doc);
		if (r < 0)
			break;
	}
	yaml_parser_delete(&parser);
	return r;
}

bool hp_plan_json_start(const char *text, size_t len, size_t *at)
{
	/* past a UTF-8 byte order mark, which kubectl drops too */
	*at = hp_plan_bom(text, len);
	while (*at < len && text[*at] && strchr(" \t\r\n\v\f", text[*at]))
		++*at;
	return *at < len && text[*at] == '{';
}

/*
 * at, counted up to *pos in f, on to to, as libyaml's marks count: lines at
 * every break line_break knows (jansson's only at LF), columns and the
 * index in characters.
 */
static void json_at_advance(const struct hp_plan_file *f, struct json_at *at, size_t *pos,
			    size_t to)
{
	for (; *pos < to; ++*pos) {
		size_t br = line_break(f->text, *pos);

		if (br) {
			at->line++;
			at->col = 0;
			at->chars++; /* a CR before an LF was one already */
			*pos += br - 1;
		} else if (((unsigned char)f->text[*pos] & 0xc0) != 0x80) {
			at->col++;
			at->chars++;
		}
	}
}

/*
 * jansson's error in the JSON text at off (at, counted up to pos), with its
 * place in f: jansson's line and column where LF is the only line break on
 * the way (it counts no other), else its last character read, counted as
 * the file's lines are.
 */
static void json_error_at(const struct hp_plan_file *f, const struct json_at *at, size_t pos,
			  size_t off, const json_error_t *jerr, const char *name,
			  struct hp_error *err)
{
	/* a byte that is no UTF-8 is not counted: the place is the character before it */
	size_t bad = json_error_code(jerr) == json_error_invalid_utf8;
	size_t end = off + (size_t)jerr->position + bad, line, col;
	bool lf = true;

	for (size_t i = off; i < end && i < f->len; i++)
		lf &= !line_break(f->text, i) || f->text[i] == '\n';
	if (lf && jerr->line > 0 && jerr->column > 0) {
		line = at->line + (size_t)jerr->line;
		col = (jerr->line == 1 ? at->col : 0) + (size_t)jerr->column + bad;
	} else {
		struct json_at e = *at;

		json_at_advance(f, &e, &pos, end > off ? end - 1 : off);
		line = e.line + 1;
		col = e.col + 1;
	}
	hp_error_set(err, "%s:%zu:%zu: JSON: %s", name, line, col, jerr->text);
}

/*
 * A stream of JSON texts, from off (hp_plan_json_start) on, as kubectl reads
 * one: each a document. libyaml reads one JSON text as a YAML flow mapping,
 * but not two in a row (`jq -c` writes one a line), nor after a tab: each
 * is parsed alone. -EAGAIN where the file is no such stream (the first is
 * no JSON, YAML's flow syntax perhaps, with jansson's message in first,
 * or YAML follows it: "---"): it is read as YAML. Where one past the first is
 * no JSON, -EINVAL and jansson's message, with its place in f.
 */
static int load_json_stream(struct hp_plan_file *f, unsigned *cap, size_t off, const char *name,
			    struct hp_error *err, struct hp_error *first)
{
	struct json_at at = { 0 };
	size_t pos = f->line_start[0]; /* at's count has reached pos */

	for (unsigned k = 0; off < f->len; k++) {
		json_error_t jerr;
		json_t *j;
		size_t len;
		int r;

		if (k == 1 && !strchr("{[", f->text[off]))
			return -EAGAIN; /* YAML after a JSON text ("---"), as YAML */
		json_at_advance(f, &at, &pos, off);
		/*
		 * jansson finds where it ends; libyaml reads it. Integers past
		 * 64 bits and "\u0000" are JSON all the same.
		 */
		j = json_loadb(f->text + off, f->len - off,
			       JSON_DISABLE_EOF_CHECK | JSON_DECODE_INT_AS_REAL | JSON_ALLOW_NUL,
			       &jerr);
		if (!j) {
			json_error_at(f, &at, pos, off, &jerr, name, k ? err : first);
			/* the first is no JSON: YAML's flow syntax perhaps, read as YAML */
			return k == 0 ? -EAGAIN : -EINVAL;
		}
		json_decref(j);
		len = (size_t)jerr.position;
		r = load_docs(f, cap, off, len, &at, name, err);
		if (r < 0)
			return r;
		off += len;
		off += strspn(f->text + off, " \t\r\n");
	}
	return 0;
}

/*
 * A file whose first object is no JSON and that YAML cannot read either:
 * was it meant as a stream of JSON objects, whose error kubectl gives as
 * JSON's, on the first? Where YAML failed in its first document, or after
 * it where the next begins with '{' (a broken object, then another: YAML's
 * error had named the valid second). Not where YAML follows ("---", a YAML
 * flow mapping first): its own error is the one.
 */
static bool json_stream_meant(const struct hp_plan_file *f)
{
	size_t end;

	if (!f->n_docs)
		return true;
	end = hp_plan_mark_offset(f, f->docs[0].end_mark);
	end += strspn(f->text + end, " \t\r\n");
	return end < f->len && f->text[end] == '{';
}

int hp_plan_manifests_parse(struct hp_plan_manifests *m, const char *name, const char *text,
			    size_t len, struct hp_error *err)
{
	struct hp_error first = { "" }; /* jansson's on a first object that is no JSON */
	struct hp_plan_file f = { 0 };
	struct hp_plan_file *nf;
	unsigned cap = 0;
	size_t at;
	int r = 0;

	if (memchr(text, '\0', len)) {
		hp_error_set(err, "%s: binary data (NUL byte) in YAML", name);
		return -EINVAL;
	}
	f.path = strdup(name);
	f.text = malloc(len + 1);
	if (!f.path || !f.text) {
		file_free(&f);
		return -ENOMEM;
	}
	memcpy(f.text, text, len);
	f.text[len] = '\0';
	f.len = len;
	r = index_lines(&f);
	if (r >= 0)
		r = hp_yaml_check_nesting(f.text, f.len, name, err);
	r = r < 0 ? r
	    : !hp_plan_json_start(f.text, f.len, &at)
		? -EAGAIN
		: load_json_stream(&f, &cap, at, name, err, &first);
	if (r == -EAGAIN) {
		for (unsigned i = 0; i < f.n_docs; i++)
			yaml_document_delete(&f.docs[i]);
		f.n_docs = 0;
		r = load_docs(&f, &cap, 0, f.len, NULL, name, err);
		if (r == -EINVAL && first.msg[0] && json_stream_meant(&f))
			*err = first;
	}
	if (r < 0) {
		file_free(&f);
		return r;
	}
	nf = reallocarray(m->files, m->n_files + 1, sizeof(*nf));
	if (!nf) {
		file_free(&f);
		return -ENOMEM;
	}
	m->files = nf;
	m->files[m->n_files++] = f;
	return 0;
}

static int read_stream(FILE *in, char **ret, size_t *ret_len)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0, cap = 0;

	for (;;) {
		size_t n;

		if (cap - len < 4096) {
			char *nb = realloc(buf, cap + 65536);

			if (!nb)
				return -ENOMEM;
			buf = nb;
			cap += 65536;
		}
		errno = 0;
		n = fread(buf + len, 1, cap - len - 1, in);
		len += n;
		if (n == 0)
			break;
	}
	/* the reason, not EIO: stdin a directory (EISDIR), or closed (EBADF) */
	if (ferror(in))
		return errno ? -errno : -EIO;
	buf[len] = '\0';
	*ret_len = len;
	*ret = steal_ptr(buf);
	return 0;
}

int hp_plan_manifests_load(struct hp_plan_manifests *m, const char *path, struct hp_error *err)
{
	_cleanup_free_ char *text = NULL;
	bool in = !strcmp(path, "-");
	size_t len = 0;
	int r;

	if (in) {
		r = read_stream(stdin, &text, &len);
	} else {
		r = hp_read_file(path, &text);
		len = r >= 0 ? (size_t)r : 0;
	}
	if (r < 0) {
		hp_error_set(err, "%s: %s", in ? "standard input" : path,
			     in && r == -EBADF ? "not open for reading" : strerror(-r));
		return r == -ENOMEM ? r : -ENOENT;
	}
	return hp_plan_manifests_parse(m, path, text, len, err);
}

/* ---- recognising infrastructure ------------------------------------------------ */

enum traffic { T_NONE, T_TELEMETRY, T_PROXY };

static const struct infra_kind {
	const char *kind;
	const char *names;   /* exact container names, '|'-separated */
	const char *images;  /* substrings of the image reference */
	double cpu;          /* default cores */
	double mem;          /* default MiB */
	enum traffic traffic;
} infra_kinds[] = {
	/* Istio: 0.2-0.5 vCPU and 40-60 MB per 1000 requests/s (istio.io). */
	{ "istio-proxy", "istio-proxy", "/proxyv2", 0.35, 50, T_PROXY },
	{ "istio-init", "istio-init|istio-validation", NULL, 0.01, 10, T_NONE },
	{ "linkerd-proxy", "linkerd-proxy", "linkerd/proxy:|linkerd-io/proxy:", 0.15, 20, T_PROXY },
	{ "linkerd-init", "linkerd-init|linkerd-network-validator", "proxy-init", 0.01, 10,
	  T_NONE },
	{ "envoy", "envoy|envoy-sidecar|envoy-proxy", "envoyproxy/envoy|aws-appmesh-envoy", 0.3, 50,
	  T_PROXY },
	/* the network init containers of meshes whose proxy is an Envoy */
	{ "osm-init", "osm-init", "openservicemesh/init", 0.01, 10, T_NONE },
	{ "appmesh-init", "proxyinit", "aws-appmesh-proxy-route-manager", 0.01, 10, T_NONE },
	{ "kuma-sidecar", "kuma-sidecar", "kumahq/kuma-dp", 0.3, 50, T_PROXY },
	{ "kuma-init", "kuma-init", "kumahq/kuma-init", 0.01, 10, T_NONE },
	{ "consul-dataplane", "consul-dataplane|consul-connect-envoy-sidecar", "consul-dataplane",
	  0.3, 50, T_PROXY },
	{ "queue-proxy", "queue-proxy", "serving/cmd/queue", 0.1, 30, T_PROXY },
	{ "daprd", "daprd", "dapr/daprd|daprio/daprd", 0.1, 60, T_PROXY },
	{ "cloud-sql-proxy", "cloud-sql-proxy|cloudsql-proxy", "cloud-sql-proxy|gce-proxy", 0.05,
	  30, T_PROXY },
	/* by name only: the Vault server and its injector run hashicorp/vault images too */
	{ "vault-agent", "vault-agent|vault-agent-init", NULL, 0.02, 30, T_NONE },
	{ "otel-collector", "otc-container|otel-collector|opentelemetry-collector",
	  "opentelemetry-collector", 0.1, 100, T_TELEMETRY },
	{ "jaeger-agent", "jaeger-agent", "jaegertracing/jaeger-agent", 0.05, 30, T_TELEMETRY },
	{ "fluent-bit", "fluent-bit|fluentbit", "fluent-bit", 0.05, 50, T_TELEMETRY },
	{ "fluentd", "fluentd", "fluentd", 0.1, 200, T_TELEMETRY },
	{ "vector", "vector", "timberio/vector", 0.1, 100, T_TELEMETRY },
	{ "promtail", "promtail", "grafana/promtail", 0.05, 60, T_TELEMETRY },
	{ "node-exporter", "node-exporter", "node-exporter", 0.05, 30, T_NONE },
	{ "kube-rbac-proxy", "kube-rbac-proxy", "kube-rbac-proxy", 0.02, 20, T_TELEMETRY },
	{ "datadog-agent", "datadog-agent",
	  "datadog/agent|datadog/cluster-agent|datadoghq/agent|datadoghq/cluster-agent", 0.2, 256,
	  T_TELEMETRY },
};

/* Application containers without requests, limits or profile. */
#define APP_DEFAULT_CPU 0.5
#define APP_DEFAULT_MEM 256.0

static bool in_list(const char *list, const char *s, bool substring)
{
	size_t n = strlen(s);

	while (list && *list) {
		const char *bar = strchr(list, '|');
		size_t l = bar ? (size_t)(bar - list) : strlen(list);

		if (substring ? (l <= n && memmem(s, n, list, l) != NULL)
			      : (l == n && !memcmp(list, s, l)))
			return true;
		list = bar ? bar + 1 : NULL;
	}
	return false;
}

static const struct infra_kind *infra_lookup(const char *name, const char *image,
					     bool serving_env)
{
	for (size_t i = 0; i < ARRAY_SIZE(infra_kinds); i++)
		if (in_list(infra_kinds[i].names, name, false))
			return &infra_kinds[i];
	if (image)
		for (size_t i = 0; i < ARRAY_SIZE(infra_kinds); i++)
			if (in_list(infra_kinds[i].images, image, true))
				return &infra_kinds[i];
	if (serving_env)
		for (size_t i = 0; i < ARRAY_SIZE(infra_kinds); i++)
			if (!strcmp(infra_kinds[i].kind, "queue-proxy"))
				return &infra_kinds[i];
	return NULL;
}

bool hp_plan_off_request_path(const struct hp_plan_container *c)
{
	const struct infra_kind *ik = c->kind ? infra_lookup(c->kind, NULL, false) : NULL;

	return ik && ik->traffic == T_TELEMETRY;
}

const char *hp_plan_infra_kind(const char *name, const char *image, bool serving_env)
{
	const struct infra_kind *k = infra_lookup(name, image, serving_env);

	return k ? k->kind : NULL;
}

/* ---- building the problem -------------------------------------------------------- */

struct build {
	const struct hp_plan_manifests *m; /* every file planned */
	struct hp_plan_problem *p;
	const struct hp_plan_node *node;
	const struct hp_plan_profile *prof;
	struct hp_error *err;
	const struct hp_plan_file *f;
	unsigned file_idx, doc_idx;
	/*
	 * Where the object being walked is: "#2" the second document, "#1.3"
	 * the first one's third List item. An unnamed workload is named by it.
	 */
	char where[128]; /* "#" and up to nine numbers, a List in a List ... (walk_object) */
	yaml_document_t *d;
	bool *seen; /* per node of d: an object walked (walk_object) */
	int claims; /* the StatefulSet's volumeClaimTemplates being built, or 0 */
	json_t *skipped; /* pod templates in kinds skipped: "Kind/name", "ns/Kind/name" */
};

#define FAIL(b, node, fmt, ...)                                                                 \
	({                                                                                      \
		hp_error_set((b)->err, "%s:%u: " fmt, (b)->f->path, hp_yaml_line(node),         \
			     ##__VA_ARGS__);                                                    \
		-EINVAL;                                                                        \
	})

/*
 * Whether node n is written with a tag ("!!str true", "&a !!str true"):
 * libyaml gives an untagged plain scalar the tag "!!str" too, so the text
 * says which it was. The node's mark is at its anchor or tag, if any.
 */
static bool explicit_tag(const struct hp_plan_file *f, const yaml_node_t *n)
{
	size_t off = hp_plan_mark_offset(f, n->start_mark);

	if (off < f->len && f->text[off] == '&')
		off = hp_yaml_past_prop(f, off, NULL, NULL);
	return off < f->len && f->text[off] == '!';
}

bool hp_plan_null(const struct hp_plan_file *f, const yaml_node_t *n)
{
	if (!n)
		return true;
	if (n->tag && !strcmp((const char *)n->tag, YAML_NULL_TAG))
		return true;
	return hp_yaml_is_null(n) && !explicit_tag(f, n);
}

/*
 * A manifest's boolean as kubectl reads it: plain, for a quoted "true" or a
 * "!!str true" is a string, which it refuses where a boolean goes; tagged
 * "!!bool", in any style.
 */
static int manifest_bool(const struct build *b, const yaml_node_t *n, bool *ret)
{
	if (n->type == YAML_SCALAR_NODE &&
	    !(n->tag && !strcmp((const char *)n->tag, YAML_BOOL_TAG)) &&
	    (n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE || explicit_tag(b->f, n)))
		return -EINVAL;
	return hp_yaml_bool(n, ret);
}

/*
 * HeteroPod's pod-template annotations, past "heteropod.io/": the
 * planner's own, each a JSON map from container name (pin, role and arch,
 * in that order where they are read), then the placement it writes and
 * the runtime's accel (spec.h).
 */
#define ANNOTATION_PREFIX "heteropod.io/"
enum { ANN_PIN, ANN_ROLE, ANN_ARCH, PLANNER_KEYS };
static const char *const annotation_keys[] = {
	[ANN_PIN] = "pin", [ANN_ROLE] = "role", [ANN_ARCH] = "arch", "placement", "accel",
};

/*
 * A pod template's heteropod.io/ annotation that HeteroPod reads none of
 * (heteropod.io/pins: a typo, and the pin had no effect) is said. From a
 * black-box review.
 */
static int unknown_annotations(const struct build *b, int ann, const char *workload)
{
	const size_t len = strlen(ANNOTATION_PREFIX);
	const yaml_node_t *n = hp_yaml_node(b->d, ann);

	if (!hp_yaml_is_map(n))
		return 0;
	for (const yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top;
	     p++) {
		const yaml_node_t *kn = hp_yaml_node(b->d, p->key);
		const char *k = hp_yaml_str(kn);
		bool ok = false;

		if (!k || strncmp(k, ANNOTATION_PREFIX, len))
			continue;
		for (size_t i = 0; i < ARRAY_SIZE(annotation_keys); i++)
			ok |= !strcmp(k + len, annotation_keys[i]);
		if (!ok &&
		    hp_plan_warn(b->p,
				 "%s:%u: %s: %s: no such HeteroPod annotation (heteropod.io/pin, "
				 "role, arch, placement, accel), not read",
				 b->f->path, hp_yaml_line(kn), workload, k) < 0)
			return -ENOMEM;
	}
	return 0;
}

/* A path's last part: its file's name. */
static const char *path_base(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

/*
 * A manifest's string as kubectl reads it: a plain scalar that YAML 1.1
 * (go-yaml v2) reads as a boolean or a number is neither (kubectl refuses
 * "name: 123": got integer, expected string), and a null is none (*ret
 * NULL). -EINVAL with the message for what (a mapping, a list, a number).
 */
static int manifest_string(const struct build *b, const yaml_node_t *n, const char *what,
			   const char **ret)
{
	const char *s = hp_yaml_str(n), *t = "a mapping or a list";
	char num[64];
	bool yes;

	*ret = NULL;
	if (hp_plan_null(b->f, n))
		return 0;
	if (s && (n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE || explicit_tag(b->f, n))) {
		*ret = s;
		return 0;
	}
	if (s && hp_yaml_bool(n, &yes) == 0)
		t = "a boolean";
	else if (s && (yaml1_number(s, num, sizeof(num)) || plain_number(s)))
		t = "a number";
	else if (s)
		t = NULL;
	if (t) {
		hp_error_set(b->err, "%s:%u: %s must be a string; kubectl reads this as %s%s",
			     b->f->path, hp_yaml_line(n), what, t, s ? " (quote it)" : "");
		return -EINVAL;
	}
	*ret = s;
	return 0;
}

/* The proxy a network init container prepares the pod's namespace for, or NULL. */
static const char *net_init_partner(const char *kind)
{
	static const char *const partner[][2] = {
		{ "istio-init", "istio-proxy" }, { "linkerd-init", "linkerd-proxy" },
		{ "osm-init", "envoy" },	 { "appmesh-init", "envoy" },
		{ "kuma-init", "kuma-sidecar" },
	};

	for (size_t i = 0; kind && i < ARRAY_SIZE(partner); i++)
		if (!strcmp(kind, partner[i][0]))
			return partner[i][1];
	return NULL;
}

static int set_reason(struct hp_plan_container *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int set_reason(struct hp_plan_container *c, const char *fmt, ...)
{
	va_list ap;
	char *s;

	if (c->stay_reason)
		return 0; /* the first reason found is the one given */
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	if (!s)
		return -ENOMEM;
	c->stay_reason = s;
	return 0;
}

/* Parse a pod-template annotation holding a JSON map container -> string. */
static int annotation_map(struct build *b, int annotations, const char *key, json_t **ret)
{
	int v = hp_yaml_get(b->d, annotations, key);
	yaml_node_t *n = hp_yaml_node(b->d, v);
	json_error_t jerr;
	json_t *j;

	*ret = NULL;
	if (!v)
		return 0;
	if (!hp_yaml_str(n))
		return FAIL(b, n, "%s must be a string holding a JSON map", key);
	j = json_loads(hp_yaml_str(n), JSON_REJECT_DUPLICATES, &jerr);
	if (!j)
		return FAIL(b, n, "%s: invalid JSON: %s", key, jerr.text);
	if (!json_is_object(j)) {
		json_decref(j);
		return FAIL(b, n, "%s must be a JSON map from container name to value", key);
	}
	*ret = j;
	return 0;
}

/*
 * A plain scalar as kubectl sends it: a number that is not an integer of
 * 64 bits go-yaml reads as a float64, and kubectl writes its shortest form
 * (0.30000000000000001 is 0.3, and not above a limit of 300m), into buf;
 * anything else as it is.
 */
static const char *go_float(const char *text, char *buf, size_t size)
{
	const char *d = text + (*text == '-' || *text == '+');
	double x;

	if (!decimal_form(d, &x) || !isfinite(x))
		return text; /* no number: "100m" */
	errno = 0;
	if (d[strspn(d, "0123456789")] == '\0' && (strtoll(text, NULL, 10), errno != ERANGE))
		return text; /* an integer, exact */
	x = *text == '-' ? -x : x;
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(buf, size, "%.*g", prec, x);
		if (strtod(buf, NULL) == x)
			break;
	}
	return buf;
}

/*
 * Is quantity text t one below 0: '-', a digit or a '.', and a quantity
 * once its '-' is dropped ("-2E" too; not "-+1")?
 */
static bool quantity_negative(const char *t)
{
	double x;

	t += strspn(t, " \t\r\n");
	return t[0] == '-' && hp_plan_quantity_digits(t) &&
	       hp_plan_quantity(t + 1, &x, NULL) != -EINVAL;
}

/*
 * resources.section.name: 0 none, 1 read. With nanos, its exact value
 * there too, and one over HP_PLAN_QUANTITY_MAX is read (compared, not
 * planned with: ephemeral-storage: 2E).
 */
static int resource(struct build *b, int resources, const char *section, const char *name,
		    double *ret, char *nanos)
{
	int sec = hp_yaml_get(b->d, resources, section);
	int v = hp_yaml_get(b->d, sec, name);
	yaml_node_t *n = hp_yaml_node(b->d, v);
	const char *text;
	bool number;
	char num[64], flt[32];
	int r;

	if (!v || hp_yaml_is_null(n))
		return 0;
	/*
	 * As go-yaml reads a number: plain, or tagged !!int or !!float however
	 * quoted; a !!str is the text (and "010" 10).
	 */
	if ((text = hp_yaml_str(n)) && explicit_tag(b->f, n)) {
		number = !strcmp((const char *)n->tag, YAML_INT_TAG) ||
			 !strcmp((const char *)n->tag, YAML_FLOAT_TAG);
		if (!number && strcmp((const char *)n->tag, YAML_STR_TAG))
			number = n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
	} else {
		number = text && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
	}
	if (number && yaml1_number(text, num, sizeof(num)))
		text = num;
	if (number && hp_yaml1_octal(text))
		return FAIL(b, n,
			    "resources.%s.%s: kubectl reads %s as octal (YAML 1.1); "
			    "write it without the leading 0, or quote it",
			    section, name, hp_yaml_str(n));
	if (number && text)
		text = go_float(text, flt, sizeof(flt));
	r = text ? hp_plan_quantity(text, ret, nanos) : -EINVAL;
	if (r == -EINVAL && text && quantity_negative(text))
		return FAIL(b, n, "resources.%s.%s: %s is below 0", section, name, text);
	if (r == -E2BIG)
		return FAIL(b, n, "resources.%s.%s: a quantity of more than %d digits", section,
			    name, HP_PLAN_QUANTITY_TEXT);
	if (r < 0 && !(r == -EDOM && nanos))
		return FAIL(b, n, "resources.%s.%s: not a quantity of at most %g", section, name,
			    HP_PLAN_QUANTITY_MAX);
	return 1;
}

/*
 * Whether Kubernetes lets a node promise more of resource k than it has:
 * not hugepages, not an extended resource (a name in a domain of its own,
 * nvidia.com/gpu).
 */
static bool overcommit_allowed(const char *k)
{
	return (!strchr(k, '/') || strstr(k, "kubernetes.io/")) && strncmp(k, "hugepages-", 10);
}

/*
 * Requests against limits, as Kubernetes' validation refuses them: a request
 * above its limit; for a resource it does not overcommit, a request without
 * a limit, or unequal to it. Compared exactly, not as doubles.
 */
static int requests_in_limits(struct build *b, int res)
{
	yaml_node_t *n = hp_yaml_node(b->d, hp_yaml_get(b->d, res, "limits"));
	char scratch[HP_PLAN_NANOS_DIGITS + 1];
	double v;

	/* every limit a quantity, the ones without a request too */
	for (yaml_node_pair_t *pr = hp_yaml_is_map(n) ? n->data.mapping.pairs.start : NULL;
	     pr && pr < n->data.mapping.pairs.top; pr++) {
		const char *k = hp_yaml_str(hp_yaml_node(b->d, pr->key));

		if (k && resource(b, res, "limits", k, &v, scratch) < 0)
			return -EINVAL;
	}
	n = hp_yaml_node(b->d, hp_yaml_get(b->d, res, "requests"));

	for (yaml_node_pair_t *pr = hp_yaml_is_map(n) ? n->data.mapping.pairs.start : NULL;
	     pr && pr < n->data.mapping.pairs.top; pr++) {
		const char *k = hp_yaml_str(hp_yaml_node(b->d, pr->key));
		yaml_node_t *at = hp_yaml_node(b->d, pr->value);
		char req[HP_PLAN_NANOS_DIGITS + 1], lim[HP_PLAN_NANOS_DIGITS + 1];
		int r, l;

		if (!k)
			continue;
		if ((r = resource(b, res, "requests", k, &v, req)) < 0 ||
		    (l = resource(b, res, "limits", k, &v, lim)) < 0)
			return -EINVAL;
		if (!r)
			continue;
		if (!l && !overcommit_allowed(k))
			return FAIL(b, at,
				    "resources.requests.%s needs a limit: Kubernetes does not "
				    "overcommit %s, and refuses a request without one",
				    k, k);
		if (l && strcmp(req, lim) && !overcommit_allowed(k))
			return FAIL(b, at,
				    "resources.requests.%s differs from resources.limits.%s: "
				    "Kubernetes does not overcommit %s, and refuses them unequal",
				    k, k, k);
		if (l && strcmp(req, lim) > 0)
			return FAIL(b, at,
				    "resources.requests.%s is more than resources.limits.%s, "
				    "which Kubernetes refuses",
				    k, k);
	}
	return 0;
}

static bool is_standard_resource(const char *k)
{
	return !strcmp(k, "cpu") || !strcmp(k, "memory") || !strcmp(k, "ephemeral-storage") ||
	       !strncmp(k, "hugepages-", 10) || !strcmp(k, "storage");
}

/* capabilities over the kernel's or the machine's own state: a DPU has its own */
static const char *host_caps[] = { "SYS_ADMIN", "SYS_PTRACE", "SYS_MODULE", "SYS_RAWIO", "SYS_BOOT",
				   "SYS_TIME",	"SYSLOG",     "BPF",	    "PERFMON",	 "ALL" };

/*
 * path as the kernel resolves it, lexically: repeated '/' as one, "." left
 * out, ".." a level up (never above '/'), no trailing '/'; into buf (at
 * least strlen(path) + 2 bytes). "//dev/./sda" and "/x/../dev/sda" are
 * /dev/sda, which a prefix test of the raw string let through.
 */
static const char *path_clean(const char *path, char *buf)
{
	size_t n = 0;

	buf[n++] = '/';
	while (*path) {
		size_t len;

		while (*path == '/')
			path++;
		len = strcspn(path, "/");
		if (len == 1 && path[0] == '.') {
			/* this directory */
		} else if (len == 2 && path[0] == '.' && path[1] == '.') {
			while (n > 1 && buf[n - 1] != '/')
				n--;
			if (n > 1)
				n--; /* the '/' before it */
		} else if (len) {
			if (n > 1)
				buf[n++] = '/';
			memcpy(buf + n, path, len);
			n += len;
		}
		path += len;
	}
	buf[n] = '\0';
	return buf;
}

/* Is path dir or below it ("/dev", "/dev/", "/dev/nvidia0"; not "/development")? */
static bool path_under(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	return !strncmp(path, dir, n) && (path[n] == '\0' || path[n] == '/');
}

/* Does path (path_clean's) name a socket file ("/var/run/docker.sock")? */
static bool path_is_sock(const char *path)
{
	size_t n = strlen(path);

	return n >= 5 && !strcmp(path + n - 5, ".sock");
}

/*
 * Whether a hostPath (path_clean's) can never move, and why: "hostPath
 * <what><path><note>". A DPU has devices, sockets and a root of its own,
 * and the node's container runtime and kubelet keep their sockets in the
 * directories below, which on a DPU would reach the DPU's or nothing.
 */
static bool host_path_hard(const char *path, const char *type, const char **what, const char **note)
{
	static const char *const sock_dirs[] = {
		"/run/containerd",  "/run/crio", "/run/docker",
		"/run/cri-dockerd", "/run/k3s",	 "/var/lib/kubelet",
	};
	/* /var/run is /run (a link to it); the directories above them hold them too */
	const char *run = path_under(path, "/var/run") ? path + 4 : path;
	bool sock_dir = !strcmp(run, "/run") || !strcmp(path, "/var") || !strcmp(path, "/var/lib");

	*what = *note = "";
	for (size_t i = 0; i < ARRAY_SIZE(sock_dirs); i++)
		sock_dir |= path_under(run, sock_dirs[i]);
	if (!strcmp(path, "/"))
		*note = " (the host's root, its devices with it)";
	else if (path_under(path, "/dev") || path_under(path, "/sys") ||
		 path_under(path, "/proc") ||
		 (type && (!strcmp(type, "CharDevice") || !strcmp(type, "BlockDevice"))))
		*what = "device ";
	else if (path_is_sock(path) || (type && !strcmp(type, "Socket")))
		*what = "socket ";
	else if (sock_dir)
		*note = " (the node's runtime and kubelet sockets)";
	else
		return false;
	return true;
}

/* Node v is a list (seq) or a mapping, or left out (-EINVAL naming what). */
static int shape(struct build *b, int v, bool seq, const char *what)
{
	yaml_node_t *n = hp_yaml_node(b->d, v);

	if (hp_yaml_is_null(n) || (seq ? hp_yaml_is_seq(n) : hp_yaml_is_map(n)))
		return 0;
	return FAIL(b, n, "%s must be a %s", what, seq ? "list" : "mapping");
}

/*
 * The pod's volumes: a list of mappings, each with a name of its own (two
 * of one name decided by their order whether a hostPath /dev was seen).
 */
static int volumes_check(struct build *b, int volumes)
{
	yaml_node_t *n = hp_yaml_node(b->d, volumes);
	int r;

	if ((r = shape(b, volumes, true, "volumes")) < 0 || !hp_yaml_is_seq(n))
		return r;
	for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top;
	     it++) {
		yaml_node_t *vn = hp_yaml_node(b->d, hp_yaml_get(b->d, *it, "name"));
		const char *name = hp_yaml_str(vn);

		if (!hp_yaml_is_map(hp_yaml_node(b->d, *it)) || !name || !*name)
			return FAIL(b, hp_yaml_node(b->d, *it), "volumes: a volume without a name");
		for (yaml_node_item_t *o = n->data.sequence.items.start; o < it; o++) {
			const char *on =
			    hp_yaml_str(hp_yaml_node(b->d, hp_yaml_get(b->d, *o, "name")));

			if (on && !strcmp(on, name))
				return FAIL(b, vn, "volumes: '%s' named twice", name);
		}
		/* one source each, as the API server has it: which would hold is a guess */
		{
			yaml_node_t *m = hp_yaml_node(b->d, *it);
			const char *first = NULL;

			for (yaml_node_pair_t *q = m->data.mapping.pairs.start;
			     q < m->data.mapping.pairs.top; q++) {
				const char *k = hp_yaml_str(hp_yaml_node(b->d, q->key));

				if (!k || !strcmp(k, "name") ||
				    hp_yaml_is_null(hp_yaml_node(b->d, q->value)))
					continue;
				if (first)
					return FAIL(b, hp_yaml_node(b->d, q->key),
						    "volumes: '%s' has two sources, %s and %s",
						    name, first, k);
				first = k;
			}
		}
	}
	return 0;
}

/* The name of a StatefulSet's volume claim template, or NULL. */
static const char *claim_name(yaml_document_t *d, int tmpl)
{
	return hp_yaml_str(
	    hp_yaml_node(d, hp_yaml_get(d, hp_yaml_get(d, tmpl, "metadata"), "name")));
}

/* The pod's volume called name (its node), 0 if it has none. */
static int volume_named(const struct build *b, int volumes, const char *name)
{
	yaml_node_t *vols = hp_yaml_node(b->d, volumes);

	for (yaml_node_item_t *v = hp_yaml_is_seq(vols) ? vols->data.sequence.items.start : NULL;
	     v && v < vols->data.sequence.items.top; v++) {
		const char *nm = hp_yaml_str(hp_yaml_node(b->d, hp_yaml_get(b->d, *v, "name")));

		if (nm && !strcmp(nm, name))
			return *v;
	}
	return 0;
}

/* Is name one of the StatefulSet's claim templates? */
static bool claim_named(const struct build *b, const char *name)
{
	yaml_node_t *cl = hp_yaml_node(b->d, b->claims);

	for (yaml_node_item_t *v = hp_yaml_is_seq(cl) ? cl->data.sequence.items.start : NULL;
	     v && v < cl->data.sequence.items.top; v++) {
		const char *nm = claim_name(b->d, *v);

		if (nm && !strcmp(nm, name))
			return true;
	}
	return false;
}

/*
 * Where the data of the pod's volume name lives. 'c': storage the host
 * mounts, a DPU sees none of it: a StatefulSet's claim template (which
 * takes the place of a pod volume of its name, as the controller has it),
 * a persistentVolumeClaim, a generic ephemeral volume, nfs, iscsi, csi and
 * every other source of a disk or share. 'e': an emptyDir (a volume
 * without a source is one: the API server makes it so). 'h': a hostPath.
 * 0: a read-only copy a DPU can hold too (configMap, secret, downwardAPI,
 * projected), or no such volume.
 */
static int volume_storage(const struct build *b, int volumes, const char *name, int *hostpath)
{
	static const char *const copies[] = { "configMap", "secret", "downwardAPI", "projected" };
	yaml_document_t *d = b->d;
	int v = volume_named(b, volumes, name), hp;
	yaml_node_t *vn = hp_yaml_node(d, v);

	if (claim_named(b, name))
		return 'c';
	if (!v)
		return 0;
	if (hp_yaml_get(d, v, "emptyDir") ||
	    (hp_yaml_is_map(vn) && vn->data.mapping.pairs.top - vn->data.mapping.pairs.start == 1))
		return 'e';
	if ((hp = hp_yaml_get(d, v, "hostPath"))) {
		if (hostpath)
			*hostpath = hp;
		return 'h';
	}
	for (size_t k = 0; k < ARRAY_SIZE(copies); k++)
		if (hp_yaml_get(d, v, copies[k]))
			return 0;
	return 'c';
}

/*
 * fn on each of the pod template's init containers, then its containers
 * (their nodes), until one returns non-zero, which is returned.
 */
static int each_container(struct build *b, int spec, int (*fn)(struct build *, int, void *),
			  void *arg)
{
	for (int li = 0; li < 2; li++) {
		yaml_node_t *ln = hp_yaml_node(
		    b->d, hp_yaml_get(b->d, spec, li ? "containers" : "initContainers"));

		for (yaml_node_item_t *it = hp_yaml_is_seq(ln) ? ln->data.sequence.items.start
							       : NULL;
		     it && it < ln->data.sequence.items.top; it++) {
			int r = fn(b, *it, arg);

			if (r)
				return r;
		}
	}
	return 0;
}

/* The name of a container's mount m, or NULL. */
static const char *mount_name(yaml_document_t *d, const yaml_node_item_t *m)
{
	return hp_yaml_str(hp_yaml_node(d, hp_yaml_get(d, *m, "name")));
}

struct colocating {
	const char *vname;
	unsigned first;
	int prev; /* the last user so far, -1 */
};

static int colocate_one(struct build *b, int cnode, void *arg)
{
	struct colocating *co = arg;
	const char *nm = hp_yaml_str(hp_yaml_node(b->d, hp_yaml_get(b->d, cnode, "name")));
	yaml_node_t *ms = hp_yaml_node(b->d, hp_yaml_get(b->d, cnode, "volumeMounts"));
	bool uses = false;

	for (yaml_node_item_t *m = hp_yaml_is_seq(ms) ? ms->data.sequence.items.start : NULL;
	     m && m < ms->data.sequence.items.top; m++) {
		const char *mn = mount_name(b->d, m);

		uses |= mn && !strcmp(mn, co->vname);
	}
	if (!uses || !nm)
		return 0;
	for (unsigned i = co->first; i < b->p->n_ctr; i++) {
		if (strcmp(b->p->ctr[i].name, nm))
			continue;
		if (co->prev >= 0)
			hp_plan_colocate(b->p, (unsigned)co->prev, i);
		co->prev = (int)i;
	}
	return 0;
}

/*
 * The pod's containers that mount volume vname share a PU: storage on one
 * PU (volume_storage) is seen by none on another (docs/runtime.md), an
 * init container's included (what it leaves there is read after it). An
 * emptyDir backed by memory (Memory, HugePages) is shared memory as well.
 */
static void colocate_users(struct build *b, int spec, unsigned first, const char *vname)
{
	struct colocating co = { .vname = vname, .first = first, .prev = -1 };

	each_container(b, spec, colocate_one, &co);
}

struct mounts_checking {
	unsigned pod;
	int volumes;
};

static int mounts_check_one(struct build *b, int cnode, void *arg)
{
	const struct mounts_checking *mc = arg;
	const char *nm = hp_yaml_str(hp_yaml_node(b->d, hp_yaml_get(b->d, cnode, "name")));
	yaml_node_t *ms = hp_yaml_node(b->d, hp_yaml_get(b->d, cnode, "volumeMounts"));

	for (yaml_node_item_t *m = hp_yaml_is_seq(ms) ? ms->data.sequence.items.start : NULL;
	     m && m < ms->data.sequence.items.top; m++) {
		const char *v = mount_name(b->d, m);
		bool again = false;

		if (!v || volume_named(b, mc->volumes, v) || claim_named(b, v))
			continue;
		for (yaml_node_item_t *o = ms->data.sequence.items.start; o < m; o++) {
			const char *ov = mount_name(b->d, o);

			again |= ov && !strcmp(ov, v);
		}
		if (!again &&
		    hp_plan_warn(b->p,
				 "%s:%u: %s: %s mounts volume '%s', which the pod does not have "
				 "(Kubernetes refuses it)",
				 b->f->path,
				 hp_yaml_line(hp_yaml_node(b->d, hp_yaml_get(b->d, *m, "name"))),
				 b->p->pods[mc->pod].workload, nm ? nm : "?", v) < 0)
			return -ENOMEM;
	}
	return 0;
}

/*
 * Warn of each container's mount of a volume the pod does not have (the API
 * server refuses it; an e2e assertion in ../shared does it), once a name.
 */
static int mounts_check(struct build *b, unsigned pod, int spec, int volumes)
{
	struct mounts_checking mc = { .pod = pod, .volumes = volumes };

	return each_container(b, spec, mounts_check_one, &mc);
}

/* Container-level reasons it cannot move. hard: a pin cannot override it. */
static int container_limits(struct build *b, int cnode, int volumes, struct hp_plan_container *c,
			    bool *hard, char **soft)
{
	yaml_document_t *d = b->d;
	int sc = hp_yaml_get(d, cnode, "securityContext");
	int res = hp_yaml_get(d, cnode, "resources");
	int caps = hp_yaml_get(d, sc, "capabilities");
	int claims = hp_yaml_get(d, res, "claims");
	int mounts = hp_yaml_get(d, cnode, "volumeMounts");
	int devices = hp_yaml_get(d, cnode, "volumeDevices");
	yaml_node_t *n;
	bool priv = false;
	int r;

	/*
	 * A field of the wrong shape is an error, as kubectl has it: read past,
	 * "securityContext: [privileged]" or "add: SYS_ADMIN" moved a
	 * container that may not move.
	 */
	if ((r = shape(b, sc, false, "securityContext")) < 0 ||
	    (r = shape(b, caps, false, "securityContext.capabilities")) < 0 ||
	    (r = shape(b, hp_yaml_get(d, caps, "add"), true, "capabilities.add")) < 0 ||
	    (r = shape(b, devices, true, "volumeDevices")) < 0)
		return r;
	n = hp_yaml_node(d, hp_yaml_get(d, sc, "privileged"));
	if (!hp_plan_null(b->f, n) && manifest_bool(b, n, &priv) < 0)
		return FAIL(b, n, "securityContext.privileged: not a boolean");
	if (priv) {
		*hard = true;
		return set_reason(c, "privileged (host access)");
	}
	n = hp_yaml_node(d, hp_yaml_get(d, hp_yaml_get(d, sc, "capabilities"), "add"));
	if (hp_yaml_is_seq(n)) {
		for (yaml_node_item_t *it = n->data.sequence.items.start;
		     it < n->data.sequence.items.top; it++) {
			const char *cap = hp_yaml_str(hp_yaml_node(d, *it));

			if (!cap)
				return FAIL(b, hp_yaml_node(d, *it),
					    "capabilities.add: a list of names");
			/* as containerd and CRI-O take them: any case, CAP_ or not */
			if (!strncasecmp(cap, "CAP_", 4))
				cap += 4;
			for (size_t i = 0; i < ARRAY_SIZE(host_caps); i++)
				if (!strcasecmp(cap, host_caps[i])) {
					*hard = true;
					return set_reason(c, "capability %s (host access)", cap);
				}
		}
	}
	/* GPUs and other extended resources belong to the host's devices. */
	for (int s = 0; s < 2; s++) {
		n = hp_yaml_node(d, hp_yaml_get(d, res, s ? "requests" : "limits"));
		if (!hp_yaml_is_map(n))
			continue;
		for (yaml_node_pair_t *pr = n->data.mapping.pairs.start;
		     pr < n->data.mapping.pairs.top; pr++) {
			const char *k = hp_yaml_str(hp_yaml_node(d, pr->key));
			const yaml_node_t *vn = hp_yaml_node(d, pr->value);
			const char *v = hp_yaml_str(vn);
			double x;

			/* nvidia.com/gpu: 0 asks for no device, nor does a null one */
			if (hp_plan_null(b->f, vn) ||
			    (v && hp_plan_quantity(v, &x, NULL) == 0 && x == 0))
				continue;
			if (k && !is_standard_resource(k)) {
				*hard = true;
				return set_reason(c, "uses extended resource %s", k);
			}
		}
	}
	n = hp_yaml_node(d, devices);
	if (hp_yaml_is_seq(n) && n->data.sequence.items.top > n->data.sequence.items.start) {
		*hard = true;
		return set_reason(c, "uses a block device (volumeDevices)");
	}
	/* a dynamic resource claim (DRA) is a device of the host's, as a GPU is */
	if ((r = shape(b, claims, true, "resources.claims")) < 0)
		return r;
	n = hp_yaml_node(d, claims);
	if (hp_yaml_is_seq(n) && n->data.sequence.items.top > n->data.sequence.items.start) {
		*hard = true;
		return set_reason(c, "uses a resource claim (resources.claims)");
	}
	/* hostPath mounts: devices and runtime sockets are hard, directories soft. */
	if ((r = shape(b, mounts, true, "volumeMounts")) < 0)
		return r;
	n = hp_yaml_node(d, mounts);
	for (yaml_node_item_t *it = hp_yaml_is_seq(n) ? n->data.sequence.items.start : NULL;
	     it && it < n->data.sequence.items.top; it++) {
		yaml_node_t *vn = hp_yaml_node(d, hp_yaml_get(d, *it, "name"));
		const char *vname = hp_yaml_str(vn);
		int hp = 0, st;

		/* none names no volume (test fixtures do that); not a string is an error */
		if (!hp_yaml_is_null(vn) && !vname)
			return FAIL(b, vn, "volumeMounts: a volume name must be a string");
		if (!vname)
			continue;
		st = volume_storage(b, volumes, vname, &hp);
		if (st == 'h') {
			const char *raw = hp_yaml_str(hp_yaml_node(d, hp_yaml_get(d, hp, "path")));
			const char *type = hp_yaml_str(hp_yaml_node(d, hp_yaml_get(d, hp, "type")));
			_cleanup_free_ char *buf = malloc(raw ? strlen(raw) + 2 : 2);
			const char *path, *what, *note;

			if (!buf)
				return -ENOMEM;
			path = raw ? path_clean(raw, buf) : "?";
			if (host_path_hard(path, type, &what, &note)) {
				*hard = true;
				return set_reason(c, "hostPath %s%s%s", what, path, note);
			}
			if (!*soft) {
				*soft = hp_sprintf("mounts host directory %s (hostPath)", path);
				if (!*soft)
					return -ENOMEM;
			}
		} else if (!*soft && st == 'c') {
			*soft = hp_sprintf("mounts volume %s (storage the host mounts)", vname);
			if (!*soft)
				return -ENOMEM;
		}
	}
	(void)r;
	return 0;
}

/*
 * Does image begin with prefix at a boundary of its name: "docker.io/istio/"
 * and "docker.io/istio" take "docker.io/istio/proxyv2:1.20", but
 * "docker.io/istio/proxy" does not.
 */
static bool image_prefix(const char *image, const char *prefix)
{
	size_t n = strlen(prefix);

	return n && !strncmp(image, prefix, n) &&
	       (strchr("/:@", prefix[n - 1]) || strchr("/:@", image[n]));
}

/*
 * An image reference as container runtimes read it (the "familiar" names of
 * Docker Hub): "istio/proxyv2:1.20" and "index.docker.io/istio/proxyv2:1.20"
 * are "docker.io/istio/proxyv2:1.20"; "nginx" and "docker.io/nginx" are
 * "docker.io/library/nginx" (library: false leaves "library/" out, for a
 * prefix that names a namespace, "docker.io/istio"). The part before the
 * first '/' is a registry where it has a '.' or a ':' or is "localhost".
 * NULL: out of memory.
 */
static char *image_norm(const char *ref, bool library)
{
	const char *slash = strchr(ref, '/'), *path = ref;
	size_t first = slash ? (size_t)(slash - ref) : 0;

	if (slash && (memchr(ref, '.', first) || memchr(ref, ':', first) ||
		      (first == 9 && !strncmp(ref, "localhost", 9)))) {
		if ((first != 9 || strncmp(ref, "docker.io", 9)) &&
		    (first != 15 || strncmp(ref, "index.docker.io", 15)))
			return strdup(ref);
		path = slash + 1;
	}
	return hp_sprintf("docker.io/%s%s", library && !strchr(path, '/') ? "library/" : "", path);
}

/*
 * An image as a runtime pulls it: image_norm's, with the tag ":latest" a
 * reference without a tag or digest means ("busybox").
 */
static char *image_full(const char *ref)
{
	_cleanup_free_ char *n = image_norm(ref, true);
	const char *last;

	if (!n)
		return NULL;
	last = strrchr(n, '/');
	if (strchr(n, '@') || strchr(last ? last : n, ':'))
		return steal_ptr(n);
	return hp_sprintf("%s:latest", n);
}

int hp_plan_image_readings(const char *prefix, char *as[3])
{
	as[0] = image_norm(prefix, true);
	as[1] = image_norm(prefix, false);
	as[2] = strchr(prefix, '/')
		    ? NULL
		    : strdup(strcmp(prefix, "index.docker.io") ? prefix : "docker.io");
	if (!as[0] || !as[1] || (!as[2] && !strchr(prefix, '/'))) {
		for (unsigned i = 0; i < 3; i++) {
			free(as[i]);
			as[i] = NULL;
		}
		return -ENOMEM;
	}
	return 0;
}

/*
 * How much of the image reference full (image_full's) the node file's
 * prefix takes, at a boundary of its name (0: none), read every way it may
 * mean (hp_plan_image_readings).
 */
static size_t image_match(const char *full, const struct hp_plan_image_arch *im)
{
	size_t len = 0;

	for (unsigned i = 0; i < ARRAY_SIZE(im->reading); i++) {
		const char *as = im->reading[i];
		size_t n = as ? strlen(as) : 0;

		/* a registry ends at its '/': "localhost" is not "localhost:5000" */
		if (as && image_prefix(full, as) && n > len &&
		    (i < 2 || full[n] == '/' || as[n - 1] == '/'))
			len = n;
	}
	return len;
}

/* Does list (" amd64 arm64 ") name arch (at most 15 characters)? */
static bool archs_include(const char *list, const char *arch)
{
	char buf[24];

	snprintf(buf, sizeof(buf), " %s ", arch);
	return strstr(list, buf) != NULL;
}

static int pu_by_name(const struct hp_plan_problem *p, const char *s)
{
	if (!strcmp(s, "dpu"))
		return HP_PLAN_PIN_DPU;
	for (unsigned i = 0; i < p->n_pus; i++)
		if (!strcmp(p->pu[i].name, s))
			return (int)i;
	return -1;
}

/*
 * Knative's queue-proxy by its environment: the port it serves on and the
 * revision it fronts. Another SERVING_ variable alone (TF Serving's
 * SERVING_MODEL_NAME) says nothing.
 */
static bool has_serving_env(yaml_document_t *d, int cnode)
{
	yaml_node_t *env = hp_yaml_node(d, hp_yaml_get(d, cnode, "env"));
	bool port = false, revision = false;

	if (!hp_yaml_is_seq(env))
		return false;
	for (yaml_node_item_t *it = env->data.sequence.items.start;
	     it < env->data.sequence.items.top; it++) {
		const char *nm = hp_yaml_str(hp_yaml_node(d, hp_yaml_get(d, *it, "name")));

		port |= nm && !strcmp(nm, "QUEUE_SERVING_PORT");
		revision |= nm && !strcmp(nm, "SERVING_REVISION");
	}
	return port && revision;
}

static bool restart_policy_valid(const char *rp)
{
	return rp && (!strcmp(rp, "Always") || !strcmp(rp, "OnFailure") || !strcmp(rp, "Never"));
}

/* The containers of one list (containers or initContainers). */
static int add_containers(struct build *b, unsigned pod, int list, bool init, int volumes,
			  json_t *roles, json_t *archs)
{
	struct hp_plan_problem *p = b->p;
	yaml_document_t *d = b->d;
	yaml_node_t *ln = hp_yaml_node(d, list);
	const char *workload = p->pods[pod].workload;

	if (!ln || hp_yaml_is_null(ln))
		return 0;
	if (!hp_yaml_is_seq(ln))
		return FAIL(b, ln, "%s must be a list", init ? "initContainers" : "containers");
	for (yaml_node_item_t *it = ln->data.sequence.items.start; it < ln->data.sequence.items.top;
	     it++) {
		yaml_node_t *cn = hp_yaml_node(d, *it);
		const char *name = hp_yaml_str(hp_yaml_node(d, hp_yaml_get(d, *it, "name")));
		yaml_node_t *imn = hp_yaml_node(d, hp_yaml_get(d, *it, "image"));
		const char *image = hp_yaml_str(imn);
		yaml_node_t *rpn = hp_yaml_node(d, hp_yaml_get(d, *it, "restartPolicy"));
		const char *rp = hp_yaml_str(rpn);
		const struct infra_kind *ik;
		struct hp_plan_container *c;
		int res = hp_yaml_get(d, *it, "resources");
		double v, dcpu, dmem;
		json_t *role;
		int idx, r;

		if (!hp_yaml_is_map(cn))
			return FAIL(b, cn, "a container must be a mapping");
		if (hp_yaml_get(d, *it, "name") &&
		    manifest_string(b, hp_yaml_node(d, hp_yaml_get(d, *it, "name")),
				    "a container's name", &name) < 0)
			return -EINVAL;
		if (!name || !*name)
			return FAIL(b, cn, "container without a name");
		if (imn && manifest_string(b, imn, "image", &image) < 0)
			return -EINVAL;
		if (rpn && !hp_yaml_is_null(rpn) && !restart_policy_valid(rp))
			return FAIL(b, rpn, "%s: restartPolicy '%s': Always, OnFailure or Never",
				    name, rp ? rp : "(not a string)");
		for (unsigned i = p->pods[pod].first; i < p->n_ctr; i++)
			if (!strcmp(p->ctr[i].name, name))
				return FAIL(b, cn, "duplicate container name '%s'", name);
		idx = hp_plan_add_container(p, pod, name, image);
		if (idx < 0)
			return idx;
		c = &p->ctr[idx];
		c->line = hp_yaml_line(cn);
		c->ctype = !init ? HP_PLAN_REGULAR
				 : (rp && !strcmp(rp, "Always")) ? HP_PLAN_SIDECAR : HP_PLAN_INIT;
		ik = infra_lookup(name, image, has_serving_env(d, *it));
		c->role = ik ? HP_PLAN_INFRA : HP_PLAN_APP;
		c->kind = ik ? ik->kind : NULL;
		role = roles ? json_object_get(roles, name) : NULL;
		if (role) {
			const char *rs = json_string_value(role);

			if (!rs || (strcmp(rs, "infra") && strcmp(rs, "app")))
				return FAIL(b, cn, "heteropod.io/role for %s: \"infra\" or \"app\"",
					    name);
			c->role = !strcmp(rs, "infra") ? HP_PLAN_INFRA : HP_PLAN_APP;
		}
		/* resources, and its requests and limits, are mappings (or left out) */
		if ((r = shape(b, res, false, "resources")) < 0 ||
		    (r = shape(b, hp_yaml_get(d, res, "requests"), false, "resources.requests")) <
			0 ||
		    (r = shape(b, hp_yaml_get(d, res, "limits"), false, "resources.limits")) < 0)
			return r;
		if ((r = requests_in_limits(b, res)) < 0)
			return r;
		/* CPU and memory: profile, then requests, then limits, then defaults. */
		dcpu = ik ? ik->cpu : APP_DEFAULT_CPU;
		dmem = (ik ? ik->mem : APP_DEFAULT_MEM) * 1048576.0;
		c->cpu = dcpu;
		c->memory = dmem;
		if ((r = resource(b, res, "requests", "cpu", &v, NULL)) < 0)
			return r;
		if (r) {
			c->cpu = v;
			c->cpu_source = "requests";
		} else {
			if ((r = resource(b, res, "limits", "cpu", &v, NULL)) < 0)
				return r;
			if (r) {
				c->cpu = v;
				c->cpu_source = "limits";
			}
		}
		if ((r = resource(b, res, "requests", "memory", &v, NULL)) < 0)
			return r;
		if (!r && (r = resource(b, res, "limits", "memory", &v, NULL)) < 0)
			return r;
		if (r)
			c->memory = v;
		if (b->prof) {
			double pc = -1, pm = -1;

			r = hp_plan_profile_container(b->prof, p->pods[pod].ns, workload, name, &pc,
						      &pm);
			if (r < 0)
				return r;
			if (pc >= 0) {
				c->cpu = pc;
				c->cpu_source = "profile";
			}
			if (pm >= 0)
				c->memory = pm;
		}
		/* Architectures the image exists for: annotation, then node's list. */
		{
			json_t *a = archs ? json_object_get(archs, name) : NULL;
			unsigned have = 0; /* the PUs whose architecture is listed */
			bool listed = false;

			if (a) {
				size_t i;
				json_t *e;

				if (!json_is_array(a))
					return FAIL(b, cn, "heteropod.io/arch for %s: a list", name);
				if (!json_array_size(a))
					return FAIL(
					    b, cn, "heteropod.io/arch for %s: an empty list", name);
				json_array_foreach(a, i, e) {
					const char *s = json_string_value(e);

					if (!hp_plan_plain_name(s))
						return FAIL(
						    b, cn,
						    "heteropod.io/arch for %s: a list of "
						    "architecture names (amd64, arm64, ...)",
						    name);
					for (unsigned pu = 0; pu < p->n_pus; pu++)
						if (!strcmp(p->pu[pu].arch, hp_plan_arch(s)))
							have |= 1u << pu;
				}
				listed = true;
			} else if (image && b->node->n_img) {
				_cleanup_free_ char *full = image_full(image);
				const struct hp_plan_image_arch *best = NULL;
				size_t best_len = 0, len;

				if (!full)
					return -ENOMEM;
				/* the longest prefix that ends where a name part does */
				for (unsigned i = 0; i < b->node->n_img; i++) {
					len = image_match(full, &b->node->img[i]);
					if (len > best_len) {
						best = &b->node->img[i];
						best_len = len;
					}
				}
				for (unsigned pu = 0; best && pu < p->n_pus; pu++)
					if (archs_include(best->archs, p->pu[pu].arch))
						have |= 1u << pu;
				listed = best;
			}
			/* the host too: an image built for the DPUs' Arm alone must move */
			if (listed)
				c->allowed &= have;
		}
	}
	return 0;
}

/*
 * A pod template in a kind the planner skips, by the names the node
 * description and the profile may give it: "Kind/name", "ns/Kind/name".
 */
static int skipped_add(struct build *b, int obj, const char *kind, const char *name)
{
	const char *ns = hp_yaml_str(
	    hp_yaml_node(b->d, hp_yaml_get(b->d, hp_yaml_get(b->d, obj, "metadata"), "namespace")));
	_cleanup_free_ char *k = name ? hp_sprintf("%s/%s", kind, name) : NULL;
	_cleanup_free_ char *nk = name && ns && *ns ? hp_sprintf("%s/%s/%s", ns, kind, name) : NULL;

	if (!name)
		return 0;
	if (!k || (ns && *ns && !nk) || json_object_set_new(b->skipped, k, json_true()) < 0 ||
	    (nk && json_object_set_new(b->skipped, nk, json_true()) < 0))
		return -ENOMEM;
	return 0;
}

/*
 * A pod template that asks an admission webhook for a sidecar the manifest
 * does not hold yet: the plan leaves it out, which the user should know
 * (plan the manifest as injected: istioctl kube-inject, linkerd inject).
 */
static int injection_hints(struct build *b, unsigned pod, int meta, bool host_network)
{
	/* the values each webhook takes for "inject" */
	static const char *const istio[] = { "y", "yes", "true", "on", NULL }; /* any case */
	static const char *const dapr[] = { "y", "yes", "true", "t", "on", "1", NULL }; /* too */
	static const char *const linkerd[] = { "enabled", "ingress", NULL };
	static const char *const go_bool[] = {
		"1", "t", "T", "true", "True", "TRUE", NULL
	}; /* strconv.ParseBool */
	static const struct {
		const char *key;
		const char *const *values; /* NULL: any but "false" */
		const char *kind;
		bool any_case, label; /* a label too, before the annotation (Istio) */
		bool host_network;    /* injected into a hostNetwork pod too */
	} hints[] = {
		{ "sidecar.istio.io/inject", istio, "istio-proxy", true, true, false },
		{ "linkerd.io/inject", linkerd, "linkerd-proxy", false, false, false },
		{ "dapr.io/enabled", dapr, "daprd", true, false, true },
		{ "vault.hashicorp.com/agent-inject", go_bool, "vault-agent", false, false, true },
		{ "sidecar.opentelemetry.io/inject", NULL, "otel-collector", true, false, true },
	};
	yaml_document_t *d = b->d;
	struct hp_plan_problem *p = b->p;
	const struct hp_plan_pod *pd = &p->pods[pod];

	for (size_t i = 0; i < ARRAY_SIZE(hints); i++) {
		int at = 0;
		const char *v = NULL;
		bool held = false, on = false;

		for (int m = hints[i].label ? 0 : 1; m < 2 && !v; m++) {
			at = hp_yaml_get(d, hp_yaml_get(d, meta, m ? "annotations" : "labels"),
					 hints[i].key);
			v = hp_yaml_str(hp_yaml_node(d, at));
		}
		if (!v || (host_network && !hints[i].host_network))
			continue;
		for (const char *const *t = hints[i].values; t && *t && !on; t++)
			on = hints[i].any_case ? !strcasecmp(v, *t) : !strcmp(v, *t);
		if (!hints[i].values)
			on = strcasecmp(v, "false") != 0;
		for (unsigned c = pd->first; c < pd->first + pd->n; c++)
			held |= p->ctr[c].kind && !strcmp(p->ctr[c].kind, hints[i].kind);
		if (on && !held &&
		    hp_plan_warn(p,
				 "%s:%u: %s%s%s%s: %s asks for the %s sidecar, which the manifest "
				 "does not hold; it is left out of the plan (plan the manifest as "
				 "injected)",
				 b->f->path, hp_yaml_line(hp_yaml_node(d, at)), pd->workload,
				 pd->ns ? " (namespace " : "", pd->ns ? pd->ns : "",
				 pd->ns ? ")" : "", hints[i].key, hints[i].kind) < 0)
			return -ENOMEM;
	}
	return 0;
}

static int build_pod(struct build *b, const char *kind, int wl, int tmpl)
{
	struct hp_plan_problem *p = b->p;
	yaml_document_t *d = b->d;
	int wl_meta = hp_yaml_get(d, wl, "metadata");
	const char *name = hp_yaml_str(hp_yaml_node(d, hp_yaml_get(d, wl_meta, "name")));
	yaml_node_t *nsn = hp_yaml_node(d, hp_yaml_get(d, wl_meta, "namespace"));
	int meta = hp_yaml_get(d, tmpl, "metadata");
	int ann = hp_yaml_get(d, meta, "annotations");
	int spec = hp_yaml_get(d, tmpl, "spec");
	yaml_node_t *specn = hp_yaml_node(d, spec), *an = hp_yaml_node(d, ann);
	int volumes = hp_yaml_get(d, spec, "volumes");
	json_t *pins = NULL, *roles = NULL, *archs = NULL;
	_cleanup_free_ char *workload = NULL;
	const struct hp_plan_workload_opt *opt = NULL;
	const char *ns = NULL;
	static const char *const host_ns[] = { "hostNetwork", "hostPID", "hostIPC" };
	const char *pod_reason = NULL;
	bool share_pid = false, host_net = false;
	unsigned first;
	int pod, r;

	if (!hp_yaml_is_map(specn))
		return FAIL(b, specn ? specn : hp_yaml_node(d, tmpl), "%s/%s: pod template %s",
			    kind, name && *name ? name : "(no name)",
			    specn ? "spec is not a mapping" : "without a spec");
	/* the object's and its template's, as the API server has them (and --annotate) */
	for (int k = 0; k < 2; k++) {
		yaml_node_t *mn = hp_yaml_node(d, k ? meta : wl_meta);

		if (mn && !hp_yaml_is_map(mn) && !hp_yaml_is_null(mn))
			return FAIL(b, mn, "metadata must be a mapping");
	}
	if (an && !hp_yaml_is_map(an) && !hp_yaml_is_null(an))
		return FAIL(b, an, "metadata.annotations must be a mapping");
	if (hp_yaml_get(d, wl_meta, "name") &&
	    manifest_string(b, hp_yaml_node(d, hp_yaml_get(d, wl_meta, "name")), "metadata.name",
			    &name) < 0)
		return -EINVAL;
	if (name && *name) {
		workload = hp_sprintf("%s/%s", kind, name);
	} else {
		/*
		 * Named by its place: its document and List items, which stay
		 * where they are when --annotate adds lines above (a name by
		 * line, as the twenty-eighth session's, moved, and a profile's
		 * entry for it no longer matched the next run).
		 */
		const char *base = path_base(b->f->path);

		/*
		 * Two files of one base name (a/pod.yaml, b/pod.yaml): both by
		 * their paths, whichever comes first (the first had kept its base
		 * name, and an entry for it went to the other file when the two
		 * were given the other way round).
		 */
		for (unsigned i = 0; i < b->m->n_files; i++)
			if (i != b->file_idx && !strcmp(path_base(b->m->files[i].path), base)) {
				base = b->f->path;
				break;
			}
		workload = hp_sprintf("%s/%s%s", kind, base, b->where);
	}
	if (!workload)
		return -ENOMEM;
	/*
	 * "namespace: ~" and "namespace: ''" are none, as kubectl has them; {},
	 * and yes or 7 as YAML 1.1 reads them (a boolean, a number), errors
	 */
	if (nsn && manifest_string(b, nsn, "metadata.namespace", &ns) < 0)
		return -EINVAL;
	if (ns && !*ns)
		ns = NULL;
	/*
	 * The same Kind/name may appear twice (other namespaces, variants of a
	 * manifest); both land on the node. The node's entry "Kind/name" applies
	 * to both, "ns/Kind/name" to the one in namespace ns only, before the
	 * other.
	 */
	for (unsigned i = 0; i < b->node->n_w; i++) {
		struct hp_plan_workload_opt *w = &b->node->w[i];
		size_t nl = ns ? strlen(ns) : 0;

		if (!strcmp(w->workload, workload)) {
			w->used = true;
			if (!opt)
				opt = w;
		} else if (ns && !strncmp(w->workload, ns, nl) && w->workload[nl] == '/' &&
			   !strcmp(w->workload + nl + 1, workload)) {
			w->used = true;
			opt = w;
		}
	}
	pod = hp_plan_add_pod(p, workload, opt ? opt->replicas : 1);
	if (pod < 0)
		return pod;
	first = p->pods[pod].first;
	p->pods[pod].file = strdup(b->f->path);
	if (!p->pods[pod].file)
		return -ENOMEM;
	p->pods[pod].line = hp_yaml_line(hp_yaml_node(d, wl));
	p->pods[pod].file_idx = b->file_idx;
	p->pods[pod].doc_idx = b->doc_idx;
	p->pods[pod].tmpl_node = tmpl;
	p->pods[pod].latency_budget_us =
		opt && opt->latency_budget_us >= 0 ? opt->latency_budget_us
						   : b->node->latency_budget_us;
	/* none of its replicas runs here: no request of it crosses anything */
	if (!p->pods[pod].replicas)
		p->pods[pod].latency_budget_us = -1;

	if (ns && !(p->pods[pod].ns = strdup(ns)))
		return -ENOMEM;
	if ((r = volumes_check(b, volumes)) < 0)
		return r;
	b->claims = strcmp(kind, "StatefulSet")
			? 0
			: hp_yaml_get(d, hp_yaml_get(d, wl, "spec"), "volumeClaimTemplates");
	if ((r = shape(b, b->claims, true, "volumeClaimTemplates")) < 0)
		return r;
	{
		yaml_node_t *n = hp_yaml_node(d, hp_yaml_get(d, spec, "restartPolicy"));

		if (!hp_yaml_is_null(n) && !restart_policy_valid(hp_yaml_str(n)))
			return FAIL(b, n, "%s: restartPolicy '%s': Always, OnFailure or Never",
				    workload, hp_yaml_str(n) ? hp_yaml_str(n) : "(not a string)");
	}
	/* the workload's own metadata is not the pod template's: said, not read */
	for (unsigned m = 0; wl_meta != meta && m < PLANNER_KEYS; m++) {
		char key[32];
		int at;

		snprintf(key, sizeof(key), ANNOTATION_PREFIX "%s", annotation_keys[m]);
		at = hp_yaml_get(d, hp_yaml_get(d, wl_meta, "annotations"), key);
		if (at && hp_plan_warn(p,
				       "%s:%u: %s: %s in the %s's own metadata is not read; it "
				       "goes in the pod template's (%s.metadata.annotations)",
				       b->f->path, hp_yaml_line(hp_yaml_node(d, at)), workload, key,
				       kind, hp_plan_template_path(kind)) < 0)
			return -ENOMEM;
	}
	if ((r = unknown_annotations(b, ann, workload)) < 0 ||
	    (wl_meta != meta &&
	     (r = unknown_annotations(b, hp_yaml_get(d, wl_meta, "annotations"), workload)) < 0))
		return r;
	if ((r = annotation_map(b, ann, "heteropod.io/pin", &pins)) < 0 ||
	    (r = annotation_map(b, ann, "heteropod.io/role", &roles)) < 0 ||
	    (r = annotation_map(b, ann, "heteropod.io/arch", &archs)) < 0)
		goto out;
	r = add_containers(b, pod, hp_yaml_get(d, spec, "initContainers"), true, volumes, roles,
			   archs);
	if (r < 0)
		goto out;
	r = add_containers(b, pod, hp_yaml_get(d, spec, "containers"), false, volumes, roles,
			   archs);
	if (r < 0)
		goto out;
	/* Kubernetes takes none without one: init containers alone are not a pod */
	{
		unsigned regular = 0;

		for (unsigned c = first; c < p->n_ctr; c++)
			regular += p->ctr[c].ctype == HP_PLAN_REGULAR;
		if (!regular) {
			r = FAIL(b, specn, "%s: pod template without containers", workload);
			goto out;
		}
	}
	/* Pod-level host access. */
	for (size_t i = 0; i < ARRAY_SIZE(host_ns); i++) {
		yaml_node_t *n = hp_yaml_node(d, hp_yaml_get(d, spec, host_ns[i]));
		bool on = false;

		if (!hp_plan_null(b->f, n) && manifest_bool(b, n, &on) < 0) {
			r = FAIL(b, n, "%s: not a boolean", host_ns[i]);
			goto out;
		}
		if (on && !pod_reason)
			pod_reason = host_ns[i];
		host_net |= on && i == 0;
	}
	if ((r = injection_hints(b, pod, meta, host_net)) < 0 ||
	    (r = mounts_check(b, pod, spec, volumes)) < 0)
		goto out;
	{
		yaml_node_t *n = hp_yaml_node(d, hp_yaml_get(d, spec, "shareProcessNamespace"));

		if (!hp_plan_null(b->f, n) && manifest_bool(b, n, &share_pid) < 0) {
			r = FAIL(b, n, "shareProcessNamespace: not a boolean");
			goto out;
		}
	}

	/* Per container: why it cannot move, pins, role policy. */
	for (unsigned i = first; i < p->n_ctr; i++) {
		struct hp_plan_container *c = &p->ctr[i];
		int cnode = 0;
		const char *pin = NULL;
		_cleanup_free_ char *soft = NULL;
		bool hard = false;
		json_t *pj = pins ? json_object_get(pins, c->name) : NULL;
		yaml_node_t *cn;

		/* find the container's node again (by line) for its limits */
		for (int li = 0; li < 2 && !cnode; li++) {
			yaml_node_t *ln = hp_yaml_node(d, hp_yaml_get(d, spec, li ? "containers" : "initContainers"));

			if (!hp_yaml_is_seq(ln))
				continue;
			for (yaml_node_item_t *it = ln->data.sequence.items.start;
			     it < ln->data.sequence.items.top; it++) {
				const char *nm = hp_yaml_str(hp_yaml_node(d, hp_yaml_get(d, *it, "name")));

				if (nm && !strcmp(nm, c->name))
					cnode = *it;
			}
		}
		cn = hp_yaml_node(d, cnode);
		if (pj) {
			pin = json_string_value(pj);
			if (!pin || (c->pin = pu_by_name(p, pin)) < 0) {
				r = FAIL(b, an, "heteropod.io/pin for %s: unknown PU '%s'%s",
					 c->name, pin ? pin : "(not a string)",
					 p->n_pus == 1 ? " (the node has no DPU)" : "");
				goto out;
			}
			if (c->pin == HP_PLAN_PIN_DPU && p->n_pus == 1) {
				r = FAIL(b, an,
					 "heteropod.io/pin for %s: 'dpu', but the node has no DPU",
					 c->name);
				goto out;
			}
		}
		if (c->ctype == HP_PLAN_INIT && !net_init_partner(c->kind)) {
			hard = true;
			r = set_reason(c, "init container: runs to completion before the pod starts");
		} else if (pod_reason) {
			hard = true;
			r = set_reason(c, "pod uses %s (host access)", pod_reason);
		} else {
			r = container_limits(b, cnode, volumes, c, &hard, &soft);
		}
		if (r < 0)
			goto out;
		if (!c->stay_reason && !(c->allowed & ~1u & ((1u << p->n_pus) - 1)) &&
		    p->n_pus > 1) {
			char dpu_archs[HP_PLAN_MAX_PUS * 20] = "";

			/* every DPU's architecture, once each */
			for (unsigned e = 1; e < p->n_pus; e++) {
				bool seen = false;

				for (unsigned f = 1; f < e; f++)
					seen |= !strcmp(p->pu[f].arch, p->pu[e].arch);
				if (!seen)
					snprintf(dpu_archs + strlen(dpu_archs),
						 sizeof(dpu_archs) - strlen(dpu_archs), "%s%s",
						 dpu_archs[0] ? ", " : "", p->pu[e].arch);
			}
			hard = true;
			r = set_reason(c, "no image for %s", dpu_archs);
			if (r < 0)
				goto out;
		}
		/* No image for the host's architecture: it runs on a DPU or nowhere. */
		if (!(c->allowed & 1u)) {
			if (c->pin == HP_PLAN_HOST || hard ||
			    !(c->allowed & ((1u << p->n_pus) - 1))) {
				if (hard && c->pin != HP_PLAN_HOST)
					r = FAIL(b, cn,
						 "%s has no image for the host's %s and cannot "
						 "move: %s",
						 c->name, p->pu[0].arch, c->stay_reason);
				else
					r = FAIL(b, cn, "%s has no image for the host's %s and %s",
						 c->name, p->pu[0].arch,
						 c->pin == HP_PLAN_HOST ? "is pinned to host"
									: "the node has no DPU");
				goto out;
			}
			if (c->pin < 0)
				continue; /* soft reasons and the role policy cannot keep it */
		}
		if (c->pin >= 0 && c->pin != HP_PLAN_HOST) {
			if (hard) {
				r = FAIL(b, cn, "%s is pinned to %s but cannot move: %s", c->name,
					 pin, c->stay_reason);
				goto out;
			}
			c->allowed &= c->pin == HP_PLAN_PIN_DPU ? ~1u : 1u << c->pin;
			if (!(c->allowed & ((1u << p->n_pus) - 1))) {
				r = FAIL(b, cn, "%s is pinned to %s, where it has no image", c->name,
					 pin);
				goto out;
			}
			continue;
		}
		if (c->pin == HP_PLAN_HOST) {
			c->allowed = 1;
			continue;
		}
		if (hard) {
			c->allowed = 1;
			continue;
		}
		/* none of its replicas on this node: moving it frees nothing, so it stays */
		if (!p->pods[pod].replicas) {
			r = set_reason(c, "no replica on this node (replicas: 0)");
			if (r < 0)
				goto out;
			c->allowed = 1;
			continue;
		}
		if (soft) {
			c->stay_reason = steal_ptr(soft);
			c->allowed = 1;
		} else if (c->role == HP_PLAN_APP && !b->node->move_apps) {
			r = set_reason(c, "application container (allow with --move-apps or "
					  "heteropod.io/pin)");
			if (r < 0)
				goto out;
			c->allowed = 1;
		}
	}
	/* Every annotation names containers of this pod. */
	for (unsigned m = 0; m < PLANNER_KEYS; m++) {
		json_t *map = m == ANN_PIN ? pins : m == ANN_ROLE ? roles : archs;
		const char *k;
		json_t *v;

		json_object_foreach(map, k, v) {
			bool found = false;

			for (unsigned i = first; i < p->n_ctr; i++)
				found |= !strcmp(p->ctr[i].name, k);
			if (!found) {
				r = FAIL(b, an, ANNOTATION_PREFIX "%s names no container '%s'",
					 annotation_keys[m], k);
				goto out;
			}
		}
	}
	/* Shared process namespace, shared memory: those containers share a PU. */
	if (share_pid) {
		int prev = -1;

		for (unsigned i = first; i < p->n_ctr; i++) {
			if (p->ctr[i].ctype == HP_PLAN_INIT)
				continue;
			if (prev >= 0)
				hp_plan_colocate(p, (unsigned)prev, i);
			prev = (int)i;
		}
	}
	/* A mesh's network init container writes the interception rules of the
	 * half its proxy runs in: it goes wherever the proxy goes. */
	for (unsigned i = first; i < p->n_ctr; i++) {
		const char *partner = net_init_partner(p->ctr[i].kind);
		int found = -1;

		if (!partner || p->ctr[i].ctype != HP_PLAN_INIT)
			continue;
		for (unsigned j = first; j < p->n_ctr && found < 0; j++)
			if (p->ctr[j].kind && !strcmp(p->ctr[j].kind, partner) &&
			    p->ctr[j].ctype != HP_PLAN_INIT)
				found = (int)j;
		/* It has finished before the pod runs: it uses no steady CPU or memory. */
		p->ctr[i].cpu = 0;
		p->ctr[i].memory = 0;
		if (found >= 0) {
			hp_plan_colocate(p, (unsigned)found, i);
		} else if (!p->ctr[i].stay_reason) {
			p->ctr[i].allowed = 1u;
			r = set_reason(&p->ctr[i], "network init container without its proxy in the pod");
			if (r < 0)
				goto out;
		}
	}
	/* Storage on one PU: its users share it. */
	{
		yaml_node_t *vols = hp_yaml_node(d, volumes), *cl = hp_yaml_node(d, b->claims);

		for (yaml_node_item_t *v = hp_yaml_is_seq(vols) ? vols->data.sequence.items.start
								: NULL;
		     v && v < vols->data.sequence.items.top; v++) {
			const char *vname =
			    hp_yaml_str(hp_yaml_node(d, hp_yaml_get(d, *v, "name")));
			int st = vname ? volume_storage(b, volumes, vname, NULL) : 0;

			if (st == 'e' || st == 'c')
				colocate_users(b, spec, first, vname);
		}
		/* claim templates without a pod volume of their name */
		for (yaml_node_item_t *v = hp_yaml_is_seq(cl) ? cl->data.sequence.items.start
							      : NULL;
		     v && v < cl->data.sequence.items.top; v++) {
			const char *vname = claim_name(d, *v);

			if (vname && !volume_named(b, volumes, vname))
				colocate_users(b, spec, first, vname);
		}
	}
	/* A group that is pinned apart can never be placed. */
	for (unsigned i = first; i < p->n_ctr; i++) {
		unsigned g = p->ctr[i].group, all = (1u << p->n_pus) - 1, mask = all;

		for (unsigned j = first; j < p->n_ctr; j++)
			if (p->ctr[j].group == g)
				mask &= p->ctr[j].allowed;
		if (!mask) {
			char why[512] = ""; /* each one's pin or reason: what to change */
			size_t n = 0;
			unsigned unpinned = all; /* what the members without a pin share */

			for (unsigned j = first; j < p->n_ctr && n < sizeof(why); j++) {
				const struct hp_plan_container *k = &p->ctr[j];
				char only[HP_PLAN_MAX_PUS * 20] = "";

				if (k->group != g)
					continue;
				if (k->pin < 0)
					unpinned &= k->allowed;
				if (k->pin < 0 && !k->stay_reason) {
					if (k->allowed == all)
						continue;
					/* its images' architectures alone limit it */
					for (unsigned e = 0; e < p->n_pus; e++)
						if (k->allowed & (1u << e))
							snprintf(only + strlen(only),
								 sizeof(only) - strlen(only),
								 "%s%s", *only ? ", " : "",
								 p->pu[e].name);
				}
				n += (size_t)snprintf(why + n, sizeof(why) - n, "%s%s: %s%s%s",
						      n ? "; " : "", k->name,
						      k->pin >= 0      ? "pinned to "
						      : k->stay_reason ? k->stay_reason
								       : "images for ",
						      k->pin < 0 ? only
						      : k->pin == HP_PLAN_PIN_DPU
							  ? "a DPU"
							  : p->pu[k->pin].name,
						      k->pin < 0 && !k->stay_reason ? " only" : "");
			}
			if (n >= sizeof(why))
				memcpy(why + sizeof(why) - 4, "...", 4);
			/* at the pins where they are what parts them: what to change */
			r = FAIL(b,
				 hp_yaml_node(d, unpinned ? hp_yaml_get(d, ann, "heteropod.io/pin")
							  : tmpl),
				 "%s: %s and the containers it must share a PU with (process "
				 "namespace, emptyDir, memory or network rules) have no PU in "
				 "common%s%s%s",
				 workload, p->ctr[i].name, n ? " (" : "", why, n ? ")" : "");
			goto out;
		}
	}
	/* Traffic: the profile's, or a default between proxies and applications. */
	if (b->prof && (r = hp_plan_profile_edges(b->prof, p, pod, b->err)) != 0) {
		if (r < 0)
			goto out;
	} else {
		for (unsigned i = first; i < p->n_ctr; i++) {
			const struct infra_kind *ik;
			double rps = p->params.default_rps, msgs, crossings;

			if (p->ctr[i].ctype == HP_PLAN_INIT || !p->ctr[i].kind)
				continue;
			ik = infra_lookup(p->ctr[i].kind, NULL, false);
			if (!ik || ik->traffic == T_NONE)
				continue;
			/* a proxy carries each request in and its response out */
			msgs = ik->traffic == T_PROXY ? 2 * rps : 0.1 * rps;
			crossings = ik->traffic == T_PROXY ? 2 : 0;
			for (unsigned j = first; j < p->n_ctr; j++) {
				if (j == i || p->ctr[j].ctype == HP_PLAN_INIT ||
				    p->ctr[j].role != HP_PLAN_APP)
					continue;
				r = hp_plan_add_edge(p, i, j, msgs,
						     msgs * p->params.default_msg_bytes, crossings);
				if (r < 0)
					goto out;
			}
		}
	}
	r = 0;
out:
	json_decref(pins);
	json_decref(roles);
	json_decref(archs);
	return r;
}

const char *hp_plan_template_path(const char *kind)
{
	static const struct {
		const char *kind;
		const char *path;
	} kinds[] = {
		{ "Pod", "" },
		{ "Deployment", "spec.template" },
		{ "StatefulSet", "spec.template" },
		{ "DaemonSet", "spec.template" },
		{ "ReplicaSet", "spec.template" },
		{ "ReplicationController", "spec.template" },
		{ "Job", "spec.template" },
		{ "CronJob", "spec.jobTemplate.spec.template" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(kinds); i++)
		if (!strcmp(kinds[i].kind, kind))
			return kinds[i].path;
	return NULL;
}

/*
 * An object of document b->d and what it holds (a List's items); list_kind:
 * the kind of a typed List it is an item of ("Deployment" in a
 * DeploymentList), which an item without a kind has, as the API server
 * writes them and kubectl reads them; else NULL.
 */
static int walk_object(struct build *b, int obj, unsigned depth, const char *list_kind)
{
	yaml_document_t *d = b->d;
	yaml_node_t *on = hp_yaml_node(d, obj);
	const char *kind = NULL, *path;
	_cleanup_free_ char *item_kind = NULL;
	int tmpl = obj, r;

	/*
	 * An empty document is none; a list or a scalar is no object, which
	 * kubectl refuses: said, as one without a kind (a JSON stream's
	 * [ ... ] had been skipped in silence).
	 */
	if (!hp_yaml_is_map(on)) {
		if (hp_plan_null(b->f, on))
			return 0;
		r = hp_plan_warn(b->p, "%s:%u: a %s that is %s, not an object, skipped", b->f->path,
				 hp_yaml_line(on), depth ? "List item" : "document",
				 hp_yaml_is_seq(on) ? "a list" : "a scalar");
		return r < 0 ? -ENOMEM : 0;
	}
	if (hp_yaml_get(d, obj, "kind") &&
	    manifest_string(b, hp_yaml_node(d, hp_yaml_get(d, obj, "kind")), "kind", &kind) < 0)
		return -EINVAL;
	kind = hp_plan_item_kind(d, obj, depth, kind, list_kind);
	/* kubectl refuses it; a node description given as a manifest is one */
	if (!kind) {
		r = hp_plan_warn(b->p, "%s:%u: a %s without a kind, skipped", b->f->path,
				 hp_yaml_line(on), depth ? "List item" : "document");
		return r < 0 ? -ENOMEM : 0;
	}
	/*
	 * An alias in a List's items reaches the same object again: it would
	 * be planned twice, and ten aliases of ten aliases of ... a pod, a few
	 * hundred bytes, are millions of pods.
	 */
	if (b->seen[obj - 1])
		return FAIL(b, on, "%s reached again through a YAML alias; write each object out",
			    kind);
	b->seen[obj - 1] = true;
	if ((r = hp_plan_list_kind(kind, &item_kind)) < 0)
		return r;
	if (r) {
		yaml_node_t *items = hp_yaml_node(d, hp_yaml_get(d, obj, "items"));

		if (depth > 8)
			return FAIL(b, on, "Lists nested too deep");
		if (items && !hp_yaml_is_seq(items) && !hp_yaml_is_null(items))
			return FAIL(b, items, "List items must be a list");
		for (yaml_node_item_t *it = hp_yaml_is_seq(items) ? items->data.sequence.items.start : NULL;
		     it && it < items->data.sequence.items.top; it++) {
			size_t at = strlen(b->where);

			snprintf(b->where + at, sizeof(b->where) - at, ".%zu",
				 (size_t)(it - items->data.sequence.items.start) + 1);
			r = walk_object(b, *it, depth + 1, item_kind);
			b->where[at] = '\0';
			if (r < 0)
				return r;
		}
		return 0;
	}
	path = hp_plan_template_path(kind);
	if (!path) {
		/* Argo's Rollout, Knative's Service, a PodTemplate: said, not planned */
		int spec = hp_yaml_get(d, obj, "spec");
		int t = hp_yaml_get(d, hp_yaml_get(d, spec ? spec : obj, "template"), "spec");
		const char *name = hp_yaml_str(
		    hp_yaml_node(d, hp_yaml_get(d, hp_yaml_get(d, obj, "metadata"), "name")));

		if (hp_yaml_is_seq(hp_yaml_node(d, hp_yaml_get(d, t, "containers"))))
			if (skipped_add(b, obj, kind, name) < 0)
				return -ENOMEM;
		if (hp_yaml_is_seq(hp_yaml_node(d, hp_yaml_get(d, t, "containers"))) &&
		    hp_plan_warn(b->p,
				 "%s:%u: %s/%s skipped: a pod template in a kind the planner does "
				 "not read (it reads " HP_PLAN_READ_KINDS ")",
				 b->f->path, hp_yaml_line(on), kind, name ? name : "(no name)") < 0)
			return -ENOMEM;
		return 0;
	}
	tmpl = hp_plan_template(d, obj, kind);
	if (!tmpl)
		return FAIL(b, on, "%s without %s", kind, path);
	return build_pod(b, kind, obj, tmpl);
}

const char *hp_plan_item_kind(yaml_document_t *d, int obj, unsigned depth, const char *kind,
			      const char *list_kind)
{
	return !kind && depth && !hp_yaml_get(d, obj, "apiVersion") ? list_kind : kind;
}

int hp_plan_list_kind(const char *kind, char **item)
{
	size_t len = strlen(kind);

	*item = NULL;
	if (len < 4 || strcmp(kind + len - 4, "List"))
		return 0;
	if (len > 4 && !(*item = strndup(kind, len - 4)))
		return -ENOMEM;
	return 1;
}

int hp_plan_template(yaml_document_t *d, int obj, const char *kind)
{
	const char *path = hp_plan_template_path(kind);
	int tmpl = obj;

	if (!path)
		return 0;
	while (*path) {
		const char *dot = strchr(path, '.');
		size_t l = dot ? (size_t)(dot - path) : strlen(path);
		char key[32];

		snprintf(key, sizeof(key), "%.*s", (int)l, path);
		tmpl = hp_yaml_get(d, tmpl, key);
		if (!hp_yaml_is_map(hp_yaml_node(d, tmpl)))
			return 0;
		path += l + (dot ? 1 : 0);
	}
	return tmpl;
}

static int build_all(struct hp_plan_problem *p, const struct hp_plan_manifests *m,
		     const struct hp_plan_node *node, const struct hp_plan_profile *prof,
		     const struct hp_plan_params *params, json_t *skipped, struct hp_error *err)
{
	struct build b = {
		.m = m, .p = p, .node = node, .prof = prof, .err = err, .skipped = skipped
	};

	for (unsigned i = 0; i < node->n_w; i++)
		node->w[i].used = false;

	hp_plan_problem_init(p);
	if (params)
		p->params = *params;
	p->n_pus = node->n_pus;
	memcpy(p->pu, node->pu, sizeof(p->pu));
	for (unsigned f = 0; f < m->n_files; f++) {
		b.f = &m->files[f];
		b.file_idx = f;
		for (unsigned i = 0; i < b.f->n_docs; i++) {
			int r;

			b.doc_idx = i;
			snprintf(b.where, sizeof(b.where), "#%u", i + 1);
			b.d = &b.f->docs[i];
			b.seen =
			    calloc((size_t)(b.d->nodes.top - b.d->nodes.start) + 1, sizeof(bool));
			if (!b.seen)
				return -ENOMEM;
			r = walk_object(&b, 1, 0, NULL);
			free(b.seen);
			if (r < 0)
				return r;
		}
	}
	for (unsigned i = 0; i < node->n_w; i++)
		if (!node->w[i].used) {
			hp_error_set(
			    err,
			    "%s:%u: the node description names workload %s, which "
			    "%s",
			    node->file ? node->file : "node", node->w[i].line, node->w[i].workload,
			    json_object_get(skipped, node->w[i].workload) ? HP_PLAN_SKIPPED
									  : "no manifest holds");
			return -EINVAL;
		}
	return prof ? hp_plan_profile_check_used(prof, p, skipped, err) : 0;
}

int hp_plan_build(struct hp_plan_problem *p, const struct hp_plan_manifests *m,
		  const struct hp_plan_node *node, const struct hp_plan_profile *prof,
		  const struct hp_plan_params *params, struct hp_error *err)
{
	json_t *skipped = json_object();
	int r = skipped ? build_all(p, m, node, prof, params, skipped, err) : -ENOMEM;

	json_decref(skipped);
	return r;
}
