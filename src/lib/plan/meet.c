/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The packing bound by meeting in the middle (group.h, hp_group_meet_min).
 *
 * With one DPU short of memory the LP fills both its CPU and its memory to
 * the last fraction, and the best placement is a few millicores below it:
 * what decides it is which few of the few hundred pods whose other options
 * lose less than that change, so that both rows end nearly full. Depth first
 * (hp_group_pack_min) that is a search over hundreds of pods of which only
 * the last few can tell a dead end. Here every pod starts at its first
 * option (the least loss); the pods with others are dealt into two halves;
 * each half's changes that lose less than the limit allows are listed, with
 * what they add to every capacity; and the lists are joined: for each change
 * of one half, the other half's whose loads on the two most selective
 * capacities land in the windows the limit leaves there (that half binned by
 * the second and sorted by the first in each bin: meet_bin), each then
 * checked whole.
 *
 * Exact below the limit: a choice whose penalty is below it loses less than
 * the limit plus what the tolerances allow in all (every capacity's slack is
 * at least minus its tolerance), so each half's part of it is listed, and the
 * window only leaves out loads that end over a capacity or whose slack alone
 * reaches the limit.
 */
#include "plan/group.h"
#include "util/util.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>

#define MEET_FIRST_ENTRIES 1024	     /* room for changes in a half, at first ... */
#define MEET_MAX_ENTRIES HP_GROUP_MEET_ENTRIES /* ... and at most, unless lim->entries */
#define MEET_RADIX 2048			       /* meet_sort's digits: 11 bits, ... */
#define MEET_KEY_BITS 22		       /* ... two of them: the keys' */
#define MEET_SORT_NS 100	     /* sorting and binning an entry takes at most */
#define MEET_BUCKETS 256	     /* meet_deal's count of changes by loss */
#define MEET_BLOCK 64		     /* keys per entry of the index's least (meet_blocks) */
#define MEET_ROOT UINT_MAX	     /* no change yet */
#define MEET_TWO (1ul << 14)	     /* entries from which two threads list, sort and join */
#define MEET_CHUNK 1024		     /* entries of the walked half a thread joins at a time, */
#define MEET_CHUNKS 64		     /* ... or a 64th of them where fewer: both threads have some */

/* An option of a pod other than its first: the change to it. */
struct meet_alt {
	double loss;  /* above the first option's */
	unsigned idx; /* into g->opts */
};

struct meet_pod {
	unsigned pod;
	unsigned base;	      /* its first option that fits: the index into g->opts */
	struct meet_alt *alt; /* the others below the limit, by ascending loss */
	unsigned n_alt;
	const double *delta; /* per alt, what it adds to each capacity over base */
};

/* A change of one half: what it loses, and the change it extends by a pod's option. */
struct meet_change {
	double loss;
	unsigned parent, pod, alt; /* the entry it extends, by which pod and option */
};

/* One half's changes: entry 0 changes nothing; each other one a pod more. */
struct meet_list {
	struct meet_change *c;
	double *val;	/* per entry, what it adds to each capacity */
	size_t n, size; /* entries, and room for them */
	size_t c_n, val_n; /* room in c (changes) and val (values), for any dims */
};

/*
 * The lists and key arrays of the last search, kept for the next in the
 * same thread (released by hp_group_meet_release): allocating them afresh
 * each time, then releasing them, cost more than sorting them (two DPUs
 * short of memory, 200 containers, seed 5: 35 ms to release two lists of
 * 1.5 Mi changes and 20 ms their keys, with the other core busy; the
 * solve ended 30-60 ms past its limit).
 */
struct meet_room {
	void *p;
	size_t size; /* bytes */
};

static _Thread_local struct {
	struct meet_list list[2];
	/*
	 * both lists' keys and a tmp each (the second's for two threads),
	 * meet_index's kk and bmin, meet_sort's count (one per thread)
	 */
	struct meet_room keys[4], kk, bmin, count[2];
} meet_kept;

/* Kept room r, with at least bytes (what it held is not kept); NULL without memory. */
static void *meet_room(struct meet_room *r, size_t bytes)
{
	if (bytes > r->size) {
		free(r->p);
		r->size = 0;
		if (!(r->p = malloc(bytes)))
			return NULL;
		r->size = bytes;
	}
	return r->p;
}

/*
 * What the threads of a search share (meet_both): the work done (each
 * adds its own every 4 Ki units), whether one stopped (out of work or
 * time, or it reached the floor), and in a join, the next chunk of the
 * walked half and the least found.
 */
struct meet_share {
	atomic_ulong work;
	atomic_bool stop;
	atomic_size_t next;
	_Atomic double best;
};

struct meet {
	const struct hp_group *g;
	unsigned dims; /* the rows' CPU, then the other capacities */
	double cap[HP_PLAN_MAX_PUS + HP_GROUP_MAX_RES], tol[HP_PLAN_MAX_PUS + HP_GROUP_MAX_RES];
	double y[HP_PLAN_MAX_PUS + HP_GROUP_MAX_RES];
	double base[HP_PLAN_MAX_PUS + HP_GROUP_MAX_RES], base_loss;
	double spare; /* the most all capacities' tolerances can take off a penalty */
	struct meet_pod *v;
	unsigned n_v;
	unsigned long work, max_work;
	double stop_ms;
	unsigned threads;      /* at most two: the halves are two */
	size_t two_from;       /* entries from which they run in two */
	size_t max_entries;    /* changes a half may list */
	struct meet_share *sh; /* in a thread of two: shared, and told of work */
	unsigned long told;
};

/* Option k's load on capacity dim: a row's CPU (grid steps and crossing costs), or res. */
static double meet_load(const struct hp_group *g, unsigned k, unsigned dim)
{
	const struct hp_group_opt *o = &g->opts[k];

	if (dim < g->n_rows)
		return (double)o->m[dim + 1] * g->q[dim + 1] + o->f[dim + 1];
	return g->res[(size_t)k * g->n_res + dim - g->n_rows];
}

/* Room for twice the entries (at least MEET_FIRST_ENTRIES), up to max. */
static int meet_list_grow(struct meet_list *l, unsigned dims, size_t max)
{
	size_t size = l->size ? 2 * l->size : MEET_FIRST_ENTRIES;
	void *t;

	if (size > max)
		size = max;
	if (size <= l->size)
		return -E2BIG;
	if (size > l->c_n) {
		if (!(t = realloc(l->c, size * sizeof(*l->c))))
			return -ENOMEM;
		l->c = t;
		l->c_n = size;
	}
	if (size * dims > l->val_n) {
		if (!(t = realloc(l->val, size * dims * sizeof(double))))
			return -ENOMEM;
		l->val = t;
		l->val_n = size * dims;
	}
	l->size = size;
	return 0;
}

/*
 * The list (its room kept from the last search, up to max entries) with its
 * first entry, the change of nothing.
 */
static int meet_list_init(struct meet_list *l, unsigned dims, size_t max)
{
	int r;

	l->size = l->c_n < l->val_n / dims ? l->c_n : l->val_n / dims;
	if (l->size > max)
		l->size = max;
	if (l->size < MEET_FIRST_ENTRIES) {
		l->size = 0;
		if ((r = meet_list_grow(l, dims, max)) < 0)
			return r;
	}
	l->n = 1;
	l->c[0] = (struct meet_change){.parent = MEET_ROOT, .pod = MEET_ROOT, .alt = MEET_ROOT};
	memset(l->val, 0, dims * sizeof(double));
	return 0;
}

/* Is it past the time limit? */
static bool meet_late(const struct meet *s)
{
	return s->stop_ms && hp_plan_clock_ms() >= s->stop_ms;
}

/* Tell the other thread of the work done: false when both together ran out, or it stopped. */
static bool meet_tally(struct meet *s)
{
	unsigned long add = s->work - s->told;

	s->told = s->work;
	return atomic_fetch_add_explicit(&s->sh->work, add, memory_order_relaxed) + add <=
		   s->max_work &&
	       !atomic_load_explicit(&s->sh->stop, memory_order_relaxed);
}

/* Is one more unit of work within the limits? */
static bool meet_count(struct meet *s)
{
	if (++s->work > s->max_work)
		return false;
	if (s->work & 0xfff)
		return true;
	return (!s->sh || meet_tally(s)) && !meet_late(s);
}

/*
 * A copy of s for one of two threads (meet_both), sharing sh: its work
 * counted from 0 against what s has left.
 */
static struct meet meet_part(const struct meet *s, struct meet_share *sh)
{
	struct meet t = *s;

	t.sh = sh;
	t.work = t.told = 0;
	t.max_work = s->work < s->max_work ? s->max_work - s->work : 0;
	return t;
}

/* Do lists of n entries in all go to two threads (listing, sorting, joining)? */
static bool meet_in_two(const struct meet *s, double n)
{
	return s->threads > 1 && n >= (double)s->two_from;
}

/* Run a in a new thread and b in this one (a after b when no thread starts). */
static void meet_both(void *(*fa)(void *), void *a, void *(*fb)(void *), void *b)
{
	pthread_t t;
	bool two = !pthread_create(&t, NULL, fa, a);

	fb(b);
	if (two)
		pthread_join(t, NULL);
	else
		fa(a);
}

/* Of two threads' returns, the one to give: an error, else out of work or time (-E2BIG). */
static int meet_worse(int a, int b)
{
	return a == -E2BIG && b < 0 ? b : a < 0 ? a : b;
}

/*
 * List every change of the pods half[from..n) that extends entry e and
 * loses less than lim in all; the pods are by ascending least loss of a
 * change, so the first too costly ends the loop.
 */
static int meet_list(struct meet *s, struct meet_list *l, const unsigned *half, unsigned n,
		     unsigned from, size_t e, double lim)
{
	for (unsigned i = from; i < n; i++) {
		const struct meet_pod *p = &s->v[half[i]];

		if (l->c[e].loss + p->alt[0].loss >= lim)
			break;
		for (unsigned a = 0; a < p->n_alt && l->c[e].loss + p->alt[a].loss < lim; a++) {
			size_t c = l->n;
			int r;

			if (!meet_count(s))
				return -E2BIG;
			if (c == l->size && (r = meet_list_grow(l, s->dims, s->max_entries)) < 0)
				return r;
			l->n++;
			l->c[c] = (struct meet_change){.loss = l->c[e].loss + p->alt[a].loss,
						       .parent = (unsigned)e,
						       .pod = half[i],
						       .alt = a};
			for (unsigned d = 0; d < s->dims; d++)
				l->val[c * s->dims + d] =
				    l->val[e * s->dims + d] + p->delta[(size_t)a * s->dims + d];
			if ((r = meet_list(s, l, half, n, i + 1, c, lim)) < 0)
				return r;
		}
	}
	return 0;
}

/* A half to list in a thread of two. */
struct meet_lister {
	struct meet s;
	struct meet_list *l;
	const unsigned *half;
	unsigned n;
	double lim;
	int r;
};

static void *meet_list_job(void *arg)
{
	struct meet_lister *j = arg;

	j->r = meet_list(&j->s, j->l, j->half, j->n, 0, 0, j->lim);
	if (j->r)
		atomic_store(&j->s.sh->stop, true);
	return NULL;
}

static void meet_share_init(struct meet_share *sh, double best)
{
	atomic_init(&sh->work, 0);
	atomic_init(&sh->stop, false);
	atomic_init(&sh->next, 0);
	atomic_init(&sh->best, best);
}

/*
 * List the changes below lim of half[0..n_a) into la and of the rest into
 * lb: each half in a thread of its own where two may run and dealing
 * counted many changes (expect).
 */
static int meet_lists(struct meet *s, struct meet_list *la, struct meet_list *lb,
		      const unsigned *half, unsigned n_a, unsigned n_b, double lim, double expect)
{
	struct meet_share sh;
	struct meet_lister j[2];
	int r;

	if (!meet_in_two(s, expect)) {
		r = meet_list(s, la, half, n_a, 0, 0, lim);
		return r ? r : meet_list(s, lb, half + n_a, n_b, 0, 0, lim);
	}
	meet_share_init(&sh, 0);
	j[0] = (struct meet_lister){meet_part(s, &sh), la, half, n_a, lim, 0};
	j[1] = (struct meet_lister){meet_part(s, &sh), lb, half + n_a, n_b, lim, 0};
	meet_both(meet_list_job, &j[0], meet_list_job, &j[1]);
	s->work += j[0].s.work + j[1].s.work;
	return meet_worse(j[0].r, j[1].r);
}

/* The penalty of base plus changes a and b, HUGE_VAL when it overfills a capacity. */
static double meet_penalty(const struct meet *s, const double *a, const double *b, double loss)
{
	double v = s->base_loss + loss;

	for (unsigned d = 0; d < s->dims; d++) {
		double slack = s->cap[d] - s->base[d] - a[d] - b[d];

		if (slack < -s->tol[d])
			return HUGE_VAL;
		v += s->y[d] * slack;
	}
	return v;
}

/*
 * An entry of the half looked up, in the order of its load on the primary
 * capacity, with what the join checks first, so that the entries it passes
 * over are read in order: its loss, and its load on the secondary capacity.
 */
struct meet_key {
	double first; /* its load on the primary */
	double loss, second;
	uint32_t key; /* first, quantised (meet_keys): what the keys are sorted by */
	unsigned e;
};

void hp_group_meet_release(void)
{
	for (unsigned i = 0; i < 2; i++) {
		free(meet_kept.list[i].c);
		free(meet_kept.list[i].val);
	}
	for (unsigned i = 0; i < 4; i++)
		free(meet_kept.keys[i].p);
	free(meet_kept.kk.p);
	free(meet_kept.bmin.p);
	for (unsigned i = 0; i < 2; i++)
		free(meet_kept.count[i].p);
	memset(&meet_kept, 0, sizeof(meet_kept));
}

/* A choice: its penalty, and the entries of either half. */
struct meet_cand {
	double v;
	size_t q, l;
};

/*
 * The least penalty found: its value, and the entries of either half. With
 * keep, the best choices instead, a heap by the most penalty; v is then the
 * limit, or the heap's most once it is full.
 */
struct meet_best {
	double v, lower; /* reaching lower ends the search */
	size_t q, l;
	struct meet_cand *keep;
	size_t n_keep, max_keep;
};

/* Keep a choice below best->v among the best max_keep. */
static void meet_keep(struct meet_best *best, double v, size_t q, size_t l)
{
	struct meet_cand *h = best->keep, c = {.v = v, .q = q, .l = l};
	size_t i;

	if (best->n_keep < best->max_keep) {
		for (i = best->n_keep++; i > 0 && h[(i - 1) / 2].v < v; i = (i - 1) / 2)
			h[i] = h[(i - 1) / 2];
		h[i] = c;
	} else {
		for (i = 0;;) { /* c in place of the most, sifted down */
			size_t k = 2 * i + 1;

			if (k >= best->max_keep)
				break;
			if (k + 1 < best->max_keep && h[k + 1].v > h[k].v)
				k++;
			if (h[k].v <= v)
				break;
			h[i] = h[k];
			i = k;
		}
		h[i] = c;
	}
	if (best->n_keep == best->max_keep)
		best->v = h[0].v; /* nothing above it is kept */
}

/* A load on the primary, quantised as keys are: a larger load never gets a smaller key. */
static uint32_t meet_quant(double x, double lo, double scale)
{
	double k = (x - lo) * scale;

	if (!(k > 0))
		return 0;
	return k >= (double)UINT32_MAX ? UINT32_MAX : (uint32_t)k;
}

/*
 * Sort the n (at least one) keys by key, its two digits from the least
 * significant, both counted in one pass (a list of a million took qsort
 * 100 ms); tmp as large, count 2 * MEET_RADIX. A digit all keys share is
 * skipped. Keys of 32 bits took three passes and a copy back; 22 bits
 * are 4 Mi keys over a list's spread, more than the changes it may hold
 * (1.5 Mi, or the caller's lim->entries: 3 Mi below the incumbent's gap),
 * and the join checks its windows on the loads themselves.
 */
static void meet_sort(struct meet_key *keys, struct meet_key *tmp, size_t *count, size_t n)
{
	struct meet_key *from = keys, *to = tmp, *t;

	memset(count, 0, 2 * MEET_RADIX * sizeof(size_t));
	for (size_t i = 0; i < n; i++) {
		count[keys[i].key & (MEET_RADIX - 1)]++;
		count[MEET_RADIX + (keys[i].key >> 11 & (MEET_RADIX - 1))]++;
	}
	for (unsigned digit = 0; digit < 2; digit++) {
		size_t *c = count + digit * MEET_RADIX, sum = 0;
		unsigned shift = 11 * digit;

		if (c[from[0].key >> shift & (MEET_RADIX - 1)] == n)
			continue;
		for (size_t d = 0; d < MEET_RADIX; d++) {
			size_t k = c[d];

			c[d] = sum;
			sum += k;
		}
		for (size_t i = 0; i < n; i++)
			to[c[from[i].key >> shift & (MEET_RADIX - 1)]++] = from[i];
		t = from;
		from = to;
		to = t;
	}
	if (from != keys)
		memcpy(keys, from, n * sizeof(*keys));
}

static int cmp_meet_pod(const void *a, const void *b)
{
	const struct meet_pod *x = a, *y = b;

	return x->alt[0].loss < y->alt[0].loss ? -1 : x->alt[0].loss > y->alt[0].loss;
}

/* cnt with pod p's changes (losses in buckets of lim / MEET_BUCKETS) into out: their sum. */
static double meet_count_with(const struct meet_pod *p, double lim, const double *cnt, double *out)
{
	double sum = 0;

	memcpy(out, cnt, MEET_BUCKETS * sizeof(double));
	for (unsigned a = 0; a < p->n_alt && p->alt[a].loss < lim; a++) {
		unsigned b = (unsigned)(p->alt[a].loss / lim * MEET_BUCKETS);

		for (unsigned x = b; x < MEET_BUCKETS; x++)
			out[x] += cnt[x - b];
	}
	for (unsigned x = 0; x < MEET_BUCKETS; x++)
		sum += out[x];
	return sum;
}

/*
 * Deal the pods (by ascending least loss of a change) into the halves, so
 * that neither lists many more changes than the other: each to the half
 * where the larger of the two counts ends least, counting the changes that
 * lose less than lim with losses rounded down to a bucket. half[0..*n_a)
 * and half[*n_a..) are then by ascending least loss, as meet_list wants;
 * the larger count in *expect.
 * Dealt alternately, the halves of two DPUs short of memory at 1000
 * containers (seed 2) listed 1.56 Mi and 0.82 Mi changes.
 */
static int meet_deal(const struct meet *s, double lim, unsigned *half, unsigned *n_a, unsigned *n_b,
		     double *expect)
{
	_cleanup_free_ double *cnt = calloc(4 * MEET_BUCKETS, sizeof(double));
	_cleanup_free_ bool *in_b = calloc(s->n_v ? s->n_v : 1, sizeof(bool));
	double tot[2] = {1, 1};

	if (!cnt || !in_b)
		return -ENOMEM;
	cnt[0] = cnt[MEET_BUCKETS] = 1; /* the change of nothing, in either half */
	for (unsigned i = 0; i < s->n_v; i++) {
		double *with = cnt + 2 * MEET_BUCKETS, t[2];
		unsigned h;

		for (h = 0; h < 2; h++)
			t[h] = meet_count_with(&s->v[i], lim, cnt + h * MEET_BUCKETS,
					       with + h * MEET_BUCKETS);
		h = fmax(t[1], tot[0]) < fmax(t[0], tot[1]) ||
		    (fmax(t[1], tot[0]) == fmax(t[0], tot[1]) && tot[1] < tot[0]);
		memcpy(cnt + h * MEET_BUCKETS, with + h * MEET_BUCKETS,
		       MEET_BUCKETS * sizeof(double));
		tot[h] = t[h];
		in_b[i] = h;
	}
	*expect = max_d(tot[0], tot[1]);
	*n_a = *n_b = 0;
	for (unsigned i = 0; i < s->n_v; i++)
		if (!in_b[i])
			half[(*n_a)++] = i;
	for (unsigned i = 0; i < s->n_v; i++)
		if (in_b[i])
			half[*n_a + (*n_b)++] = i;
	return 0;
}

/*
 * The capacities to look the other half up by, in *p and *p2 (-1: none):
 * priced ones (only a priced slack is bounded below), with the narrowest
 * windows for their spread of loads. False if none is priced.
 */
static bool meet_primary(const struct meet *s, const struct meet_list *l, double limit, int *p,
			 int *p2)
{
	double best = HUGE_VAL, next = HUGE_VAL;

	*p = *p2 = -1;
	for (unsigned d = 0; d < s->dims; d++) {
		double lo = HUGE_VAL, hi = -HUGE_VAL, w;

		if (s->y[d] <= 0)
			continue;
		for (size_t e = 0; e < l->n; e++) {
			lo = min_d(lo, l->val[e * s->dims + d]);
			hi = max_d(hi, l->val[e * s->dims + d]);
		}
		w = (limit + s->spare) / s->y[d] / (hi - lo + s->tol[d]);
		if (*p < 0 || w < best) { /* w may be infinite: no spread, no tolerance */
			next = best;
			*p2 = *p;
			best = w;
			*p = (int)d;
		} else if (*p2 < 0 || w < next) {
			next = w;
			*p2 = (int)d;
		}
	}
	return *p >= 0;
}

/*
 * The keys of l's entries, in their order; their loads on the primary
 * quantised from *lo by *scale (set here).
 */
static void meet_keys(const struct meet *s, const struct meet_list *l, int p, int p2,
		      struct meet_key *keys, double *lo, double *scale)
{
	double hi = -HUGE_VAL;

	*lo = HUGE_VAL;
	for (size_t e = 0; e < l->n; e++) {
		*lo = min_d(*lo, l->val[e * s->dims + (unsigned)p]);
		hi = max_d(hi, l->val[e * s->dims + (unsigned)p]);
	}
	*scale = hi > *lo ? (double)((1u << MEET_KEY_BITS) - 2) / (hi - *lo) : 0;
	for (size_t e = 0; e < l->n; e++) {
		double v = l->val[e * s->dims + (unsigned)p];

		keys[e] =
		    (struct meet_key){.first = v,
				      .loss = l->c[e].loss,
				      .second = p2 >= 0 ? l->val[e * s->dims + (unsigned)p2] : 0,
				      .key = meet_quant(v, *lo, *scale),
				      .e = (unsigned)e};
	}
}

/* Walk entry e back to the pods' choices. */
static void meet_choose(const struct meet *s, const struct meet_list *l, size_t e, unsigned *best)
{
	for (; e != MEET_ROOT && l->c[e].pod != MEET_ROOT; e = l->c[e].parent)
		best[s->v[l->c[e].pod].pod] = s->v[l->c[e].pod].alt[l->c[e].alt].idx;
}

/*
 * The half looked up: its entries' keys binned by their load on the
 * secondary capacity, bins as wide as its window can be, each bin by the
 * load on the primary. A window then spans two or three bins, and in each,
 * the entries in the primary's window are mostly in the secondary's too.
 */
struct meet_index {
	struct meet_key *keys;
	/*
	 * Their keys alone, for the binary searches: read from the keys, 32
	 * bytes apart, they were 30% of a join (four DPUs, 100 containers).
	 */
	const uint32_t *kk;
	size_t *start; /* per bin, its first key; start[n_bins]: the entries */
	size_t n_bins;
	double lo, width;   /* of the bins, on the secondary */
	double klo, kscale; /* of the keys (meet_keys) */
	/* per MEET_BLOCK keys in their order: the least of loss - yp * load on the primary */
	double *bmin, yp;
};

/*
 * Bin the n keys (sorted by the primary) by the secondary, keeping that
 * order in each bin, into tmp (as large), which ix->keys then is. Without
 * a secondary, one bin: ix->keys as it was.
 */
static int meet_bin(struct meet_index *ix, size_t n, double width, struct meet_key *tmp)
{
	double lo = HUGE_VAL, hi = -HUGE_VAL;

	for (size_t e = 0; e < n; e++) {
		lo = min_d(lo, ix->keys[e].second);
		hi = max_d(hi, ix->keys[e].second);
	}
	ix->lo = lo;
	ix->n_bins = 1;
	if (isfinite(width) && width > 0 && hi > lo)
		ix->n_bins = (size_t)fmin((hi - lo) / width, (double)(n / 16)) + 1;
	ix->width = ix->n_bins > 1 ? (hi - lo) / (double)(ix->n_bins - 1) : HUGE_VAL;
	ix->start = calloc(ix->n_bins + 1, sizeof(size_t));
	if (!ix->start)
		return -ENOMEM;
	if (ix->n_bins == 1) {
		ix->start[1] = n;
		return 0;
	}
	for (size_t e = 0; e < n; e++)
		ix->start[(size_t)((ix->keys[e].second - lo) / ix->width) + 1]++;
	for (size_t b = 0; b < ix->n_bins; b++)
		ix->start[b + 1] += ix->start[b];
	for (size_t e = 0; e < n; e++) /* stable: by the primary in each bin */
		tmp[ix->start[(size_t)((ix->keys[e].second - lo) / ix->width)]++] = ix->keys[e];
	memmove(ix->start + 1, ix->start, ix->n_bins * sizeof(size_t));
	ix->start[0] = 0;
	ix->keys = tmp;
	return 0;
}

/* What q's entry e looks for in l: the windows, and what l's entry may lose. */
struct meet_want {
	size_t e;
	double lo, hi;	   /* on the primary */
	uint32_t klo, khi; /* ... as keys */
	double lo2, hi2;   /* on the secondary */
	double left;
	double floor; /* the penalty is at least floor + loss - yp * load on the primary */
};

/*
 * The index's table per block of its n keys (meet_least), yp the primary's
 * price, and its keys alone (kk).
 */
static int meet_blocks(struct meet_index *ix, size_t n, double yp)
{
	size_t nb = n / MEET_BLOCK + 1;
	uint32_t *kk = meet_room(&meet_kept.kk, n * sizeof(*kk));

	if (!kk)
		return -ENOMEM;
	for (size_t e = 0; e < n; e++)
		kk[e] = ix->keys[e].key;
	ix->kk = kk;
	ix->yp = yp;
	ix->bmin = meet_room(&meet_kept.bmin, nb * sizeof(double));
	if (!ix->bmin)
		return -ENOMEM;
	for (size_t i = 0; i < nb; i++)
		ix->bmin[i] = HUGE_VAL;
	for (size_t e = 0; e < n; e++)
		ix->bmin[e / MEET_BLOCK] =
		    min_d(ix->bmin[e / MEET_BLOCK], ix->keys[e].loss - yp * ix->keys[e].first);
	return 0;
}

/* A half's keys to sort, in a thread of two. */
struct meet_orderer {
	const struct meet *s;
	const struct meet_list *l;
	int p, p2;
	struct meet_key *keys, *tmp;
	size_t *count;
	double lo, scale; /* of the keys (meet_keys) */
};

static void *meet_order_job(void *arg)
{
	struct meet_orderer *j = arg;

	meet_keys(j->s, j->l, j->p, j->p2, j->keys, &j->lo, &j->scale);
	meet_sort(j->keys, j->tmp, j->count, j->l->n);
	return NULL;
}

/* The half looked up, its keys sorted, binned by width and blocked: in the caller's thread. */
struct meet_indexer {
	struct meet_orderer o;
	struct meet_index *ix;
	double width;
	int r;
};

static void *meet_index_job(void *arg)
{
	struct meet_indexer *j = arg;

	meet_order_job(&j->o);
	j->ix->keys = j->o.keys;
	j->ix->klo = j->o.lo;
	j->ix->kscale = j->o.scale;
	j->r = meet_bin(j->ix, j->o.l->n, j->width, j->o.tmp);
	if (!j->r)
		j->r = meet_blocks(j->ix, j->o.l->n, j->o.s->y[j->o.p]);
	return NULL;
}

/* The first of the keys from a to z above key (above) or no less. */
static size_t meet_find(const struct meet_index *ix, size_t a, size_t z, uint32_t key, bool above)
{
	while (a < z) {
		size_t mid = a + (z - a) / 2;

		if (ix->kk[mid] < key || (above && ix->kk[mid] == key))
			a = mid + 1;
		else
			z = mid;
	}
	return a;
}

/*
 * The least penalty any of the keys a..z can give with w's entry: its
 * floor and their least loss less their load on the primary at its price
 * (whole blocks from the index's table).
 */
static double meet_least(const struct meet_index *ix, const struct meet_want *w, size_t a, size_t z)
{
	double least = HUGE_VAL;

	while (a < z) {
		if (a % MEET_BLOCK == 0 && a + MEET_BLOCK <= z) {
			least = min_d(least, ix->bmin[a / MEET_BLOCK]);
			a += MEET_BLOCK;
		} else {
			least = min_d(least, ix->keys[a].loss - ix->yp * ix->keys[a].first);
			a++;
		}
	}
	return w->floor + least;
}

/* Bin b's entries in w's windows: 1 when one reached lower. */
static int meet_scan(struct meet *s, const struct meet_list *q, const struct meet_list *l,
		     const struct meet_index *ix, size_t b, const struct meet_want *w,
		     struct meet_best *best)
{
	const double *qv = q->val + w->e * s->dims;
	size_t a = meet_find(ix, ix->start[b], ix->start[b + 1], w->klo, false), z;

	/*
	 * A window none of whose entries can beat the best, by what they lose
	 * less their load on the primary at its price, is passed over, but
	 * counted as looked at, so that the work allowed lasts as long (four
	 * DPUs with applications moving, 100 containers, seed 4: 54 Mi pairs
	 * tied with the least to 1e-15, 0.65 s).
	 */
	z = meet_find(ix, a, ix->start[b + 1], w->khi, true);
	if (z - a > MEET_BLOCK / 4 && meet_least(ix, w, a, z) >= best->v) {
		s->work += z - a;
		return s->work > s->max_work ? -E2BIG : 0;
	}
	for (; a < z; a++) {
		const struct meet_key *k = &ix->keys[a];
		double v;

		if (!meet_count(s))
			return -E2BIG;
		if (k->loss >= w->left || k->first < w->lo || k->first > w->hi ||
		    k->second < w->lo2 || k->second > w->hi2)
			continue;
		v = meet_penalty(s, qv, l->val + (size_t)k->e * s->dims, q->c[w->e].loss + k->loss);
		if (v < best->v && best->keep) {
			meet_keep(best, v, w->e, k->e);
		} else if (v < best->v) {
			best->v = v;
			best->q = w->e;
			best->l = k->e;
			if (v <= best->lower)
				return 1;
		}
	}
	return 0;
}

/*
 * Join the halves: for each entry of q (qkeys[from..to): by their load on
 * capacity p, taken from the most down, so that the windows move up
 * through l and what they read is mostly in the cache already), the
 * entries of l (ix) whose loads on p and p2 land in the windows. Returns 1
 * when one reached best->lower.
 */
static int meet_join(struct meet *s, const struct meet_list *q, const struct meet_key *qkeys,
		     const struct meet_list *l, const struct meet_index *ix, int p, int p2,
		     struct meet_best *best, size_t from, size_t to)
{
	for (size_t i = to; i-- > from;) {
		const struct meet_key *qk = &qkeys[i];
		struct meet_want w = {.e = qk->e, .lo2 = -HUGE_VAL, .hi2 = HUGE_VAL};
		double room = s->cap[p] - s->base[p] - qk->first;
		size_t b0 = 0, b1 = ix->n_bins - 1;

		if (!(i & 0xff) && meet_late(s))
			return -E2BIG; /* also where the windows are empty */

		/* what the slack of p, p2, and the loss of l's entry may add at most */
		w.left = best->v + s->spare - s->base_loss - qk->loss;
		if (w.left <= 0)
			continue;
		w.floor =
		    s->base_loss + qk->loss + s->y[p] * room - (s->spare - s->y[p] * s->tol[p]);
		w.lo = room - (w.left - s->y[p] * s->tol[p]) / s->y[p];
		w.hi = room + s->tol[p];
		w.klo = meet_quant(w.lo, ix->klo, ix->kscale);
		w.khi = meet_quant(w.hi, ix->klo, ix->kscale);
		if (p2 >= 0) {
			double room2 = s->cap[p2] - s->base[p2] - qk->second;

			w.lo2 = room2 - (w.left - s->y[p2] * s->tol[p2]) / s->y[p2];
			w.hi2 = room2 + s->tol[p2];
		}
		if (ix->n_bins > 1) {
			double f0 = floor((w.lo2 - ix->lo) / ix->width),
			       f1 = floor((w.hi2 - ix->lo) / ix->width);

			if (f1 < 0 || f0 > (double)b1)
				continue;
			b0 = f0 > 0 ? (size_t)f0 : 0;
			b1 = f1 < (double)b1 ? (size_t)f1 : b1;
		}
		for (size_t b = b0; b <= b1; b++) {
			int r = meet_scan(s, q, l, ix, b, &w, best);

			if (r)
				return r;
		}
	}
	return 0;
}

/* A thread of two joining the halves (meet_join_all): its part of the work. */
struct meet_joiner {
	struct meet s;
	const struct meet_list *q, *l;
	const struct meet_key *qkeys;
	const struct meet_index *ix;
	int p, p2;
	struct meet_best best; /* its own: with keep, its own heap */
	int r;
};

/* Lower the least found to v, as the other thread sees it. */
static void meet_publish(struct meet_share *sh, double v)
{
	double b = atomic_load(&sh->best);

	while (v < b && !atomic_compare_exchange_weak(&sh->best, &b, v))
		;
}

/*
 * Chunks of the walked half from the top, the next any thread has not
 * taken, pruned by the least either thread found (keeping the best, by its
 * own heap's most).
 */
static void *meet_join_job(void *arg)
{
	struct meet_joiner *j = arg;
	struct meet_share *sh = j->s.sh;
	size_t c, n = j->q->n, chunk = n / MEET_CHUNKS;

	chunk = chunk < 1 ? 1 : chunk > MEET_CHUNK ? MEET_CHUNK : chunk;
	while (!j->r && (c = atomic_fetch_add(&sh->next, 1)) < (n + chunk - 1) / chunk &&
	       !atomic_load(&sh->stop)) {
		size_t to = n - c * chunk, from = to > chunk ? to - chunk : 0;
		double v = atomic_load(&sh->best);

		if (!j->best.keep && v < j->best.v) { /* the other's: not this one's choice */
			j->best.v = v;
			j->best.q = j->best.l = MEET_ROOT;
		}
		j->r =
		    meet_join(&j->s, j->q, j->qkeys, j->l, j->ix, j->p, j->p2, &j->best, from, to);
		if (!j->best.keep)
			meet_publish(sh, j->best.v);
	}
	if (j->r)
		atomic_store(&sh->stop, true);
	return NULL;
}

/*
 * meet_join over all of q, in two threads where two may run and the
 * halves are large; returns as meet_join, but 0 where one reached the
 * floor. keep2: the second thread's heap, as large as best's (with keep).
 */
static int meet_join_all(struct meet *s, const struct meet_list *q, const struct meet_key *qkeys,
			 const struct meet_list *l, const struct meet_index *ix, int p, int p2,
			 struct meet_best *best, struct meet_cand *keep2)
{
	struct meet_share sh;
	struct meet_joiner j[2];
	int r;

	if (!meet_in_two(s, (double)(q->n + l->n))) {
		r = meet_join(s, q, qkeys, l, ix, p, p2, best, 0, q->n);
		return r < 0 ? r : 0;
	}
	meet_share_init(&sh, best->v);
	for (unsigned t = 0; t < 2; t++)
		j[t] = (struct meet_joiner){meet_part(s, &sh), q, l, qkeys, ix, p, p2, *best, 0};
	j[1].best.keep = keep2;
	meet_both(meet_join_job, &j[1], meet_join_job, &j[0]);
	s->work += j[0].s.work + j[1].s.work;
	if (best->keep) {
		*best = j[0].best;
		for (size_t i = 0; i < j[1].best.n_keep; i++)
			if (j[1].best.keep[i].v < best->v)
				meet_keep(best, j[1].best.keep[i].v, j[1].best.keep[i].q,
					  j[1].best.keep[i].l);
	} else {
		*best = j[0].best;
		if (j[1].best.q != MEET_ROOT && (best->q == MEET_ROOT || j[1].best.v < best->v))
			*best = j[1].best;
	}
	if (j[0].r == 1 || j[1].r == 1)
		return 0; /* the other stopped: what it left is above the floor reached */
	return meet_worse(j[0].r, j[1].r);
}

static int cmp_cand(const void *a, const void *b)
{
	const struct meet_cand *x = a, *y = b;

	return x->v < y->v ? -1 : x->v > y->v;
}

/*
 * Refine the kept choices (lim->refine), from the least, until the next is
 * no less than the least refined: *ret. Nothing outside them is below
 * best->v, and a choice refine cannot tell may be as low as its penalty,
 * so *ret bounds the least below; it is the least when refine told it.
 * base: every pod's first option.
 */
static int meet_refine(const struct meet *s, const struct meet_list *la, const struct meet_list *lb,
		       struct meet_best *best, const struct hp_pack_limits *lim,
		       const unsigned *base, unsigned *choice, double *ret)
{
	unsigned np = s->g->n_pods;
	double bound = best->v;

	qsort(best->keep, best->n_keep, sizeof(*best->keep), cmp_cand);
	for (size_t i = 0; i < best->n_keep && best->keep[i].v < bound && bound > best->lower;
	     i++) {
		const struct meet_cand *c = &best->keep[i];
		double t;
		int r;

		memcpy(choice, base, np * sizeof(unsigned));
		meet_choose(s, la, c->q, choice);
		meet_choose(s, lb, c->l, choice);
		r = lim->refine(lim->arg, choice, c->v, bound, &t);
		if (r == -E2BIG) {
			bound = c->v;
			break;
		}
		if (r < 0)
			return r;
		bound = fmin(bound, t);
	}
	*ret = bound;
	return 0;
}

int hp_group_meet_min(const struct hp_group *g, double limit, double lower,
		      struct hp_pack_limits *lim, unsigned *ret_best, double *ret)
{
	unsigned np = g->n_pods ? g->n_pods : 1, dims = g->n_rows + g->n_res;
	_cleanup_free_ struct meet_pod *v = calloc(np, sizeof(*v));
	_cleanup_free_ struct meet_alt *alts = calloc(g->n_opts ? g->n_opts : 1, sizeof(*alts));
	_cleanup_free_ double *delta =
	    calloc((size_t)(g->n_opts ? g->n_opts : 1) * dims, sizeof(double));
	_cleanup_free_ unsigned *half = calloc(np, sizeof(unsigned));
	struct meet_key *keys = NULL, *qkeys = NULL, *tmp = NULL, *tmp2 = NULL;
	size_t *count = NULL, *count2 = NULL;
	_cleanup_free_ struct meet_cand *keep = NULL, *keep2 = NULL;
	_cleanup_free_ unsigned *base = NULL, *choice = NULL;
	unsigned *firsts = ret_best; /* where each pod's first option is recorded */
	struct meet_index ix = {0};
	struct meet_list la = meet_kept.list[0], lb = meet_kept.list[1];
	struct meet s = {.g = g,
			 .dims = dims,
			 .v = v,
			 .max_work = lim->nodes,
			 .stop_ms = lim->stop_ms,
			 .threads = lim->threads > 1 ? 2 : 1,
			 .two_from = lim->two_from ? lim->two_from : MEET_TWO,
			 .max_entries = lim->entries ? lim->entries : MEET_MAX_ENTRIES};
	struct meet_best best = {
	    .v = limit, .lower = lower + 1e-12, .q = MEET_ROOT, .l = MEET_ROOT};
	double lim_loss, expect, t = 0;
	bool short_list = lim->list > 0 && lim->list < limit; /* not exhaustive */
	size_t used = 0, tmp_n;
	unsigned n_a = 0, n_b = 0;
	__attribute__((cleanup(hp_load_set_free))) struct hp_load_set seen = { 0 };
	int p = -1, p2 = -1, r;
	bool two;

	if (!v || !alts || !delta || !half || hp_load_set_init(&seen, g, false) < 0)
		return -ENOMEM;
	if (lim->refine) {
		/* its own record of the first options, and a choice to hand over */
		best.max_keep = lim->keep ? lim->keep : HP_GROUP_REFINE_KEEP;
		best.keep = keep = malloc(best.max_keep * sizeof(*keep));
		if (s.threads > 1) /* the second thread's heap (meet_join_all) */
			keep2 = malloc(best.max_keep * sizeof(*keep2));
		firsts = base = calloc(np, sizeof(unsigned));
		choice = calloc(np, sizeof(unsigned));
		if (!keep || (s.threads > 1 && !keep2) || !base || !choice)
			return -ENOMEM;
	}
	for (unsigned d = 0; d < dims; d++) {
		unsigned j = d - g->n_rows;

		s.cap[d] = d < g->n_rows ? g->b[d + 1] : g->res_b[j];
		s.tol[d] = d < g->n_rows ? g->tol[d + 1] : g->res_tol[j];
		s.y[d] = d < g->n_rows ? g->y[d + 1] : g->res_y[j];
		s.spare += s.y[d] * s.tol[d];
	}
	lim_loss = (short_list ? lim->list : limit) + s.spare;
	for (unsigned i = 0; i < g->n_pods; i++) {
		struct meet_pod *pd = &v[s.n_v];
		bool have = false;

		if (!g->n[i])
			continue;
		pd->pod = i;
		pd->alt = alts + used;
		pd->n_alt = 0;
		pd->delta = delta + used * dims;
		hp_load_set_clear(&seen, g->n[i]);
		for (unsigned k = g->first[i]; k < g->first[i] + g->n[i]; k++) {
			bool fits = true;

			for (unsigned d = 0; d < dims; d++)
				fits &= meet_load(g, k, d) <= s.cap[d] + s.tol[d];
			if (!fits)
				continue;
			if (!have) {
				if (g->opts[k].loss >= lim_loss)
					break;
				pd->base = k;
				have = true;
				hp_load_set_seen(&seen, k);
				continue;
			}
			if (g->opts[k].loss - g->opts[pd->base].loss >= lim_loss)
				break; /* by ascending loss */
			/* the same loads as a cheaper option (to rounding): never better */
			if (hp_load_set_seen(&seen, k))
				continue;
			pd->alt[pd->n_alt] = (struct meet_alt){
			    .loss = g->opts[k].loss - g->opts[pd->base].loss, .idx = k};
			for (unsigned d = 0; d < dims; d++)
				delta[(used + pd->n_alt) * dims + d] =
				    meet_load(g, k, d) - meet_load(g, pd->base, d);
			pd->n_alt++;
		}
		if (!have) {
			*ret = limit; /* no option of this pod fits below the (listing) limit */
			return short_list ? -E2BIG : 0;
		}
		if (firsts)
			firsts[i] = pd->base;
		s.base_loss += g->opts[pd->base].loss;
		for (unsigned d = 0; d < dims; d++)
			s.base[d] += meet_load(g, pd->base, d);
		if (!pd->n_alt)
			continue;
		used += pd->n_alt;
		s.n_v++;
	}
	lim_loss -= s.base_loss;
	if (lim_loss <= 0) {
		*ret = limit;
		return short_list ? -E2BIG : 0;
	}
	qsort(v, s.n_v, sizeof(*v), cmp_meet_pod);
	r = meet_deal(&s, lim_loss, half, &n_a, &n_b, &expect);
	if (!r)
		r = meet_list_init(&la, dims, s.max_entries);
	if (!r)
		r = meet_list_init(&lb, dims, s.max_entries);
	if (!r)
		r = meet_lists(&s, &la, &lb, half, n_a, n_b, lim_loss, expect);
	meet_kept.list[0] = la; /* the room as it grew */
	meet_kept.list[1] = lb;
	/*
	 * Sorting and binning the lists counts no work and cannot be stopped:
	 * about 80 ns an entry (two DPUs short of memory, 1000 containers,
	 * seed 2: 0.2 s for two lists of 2.4 Mi in all, begun 0.15 s before
	 * the limit). Not when it would end past the limit (in two threads,
	 * as long as in one: the other core may be busy).
	 */
	if (!r && s.stop_ms &&
	    hp_plan_clock_ms() + (double)(la.n + lb.n) * MEET_SORT_NS / 1e6 >= s.stop_ms)
		r = -E2BIG;
	if (!r && !meet_primary(&s, &lb, limit, &p, &p2))
		r = -E2BIG; /* nothing priced: the window is every entry */
	/*
	 * Sorted in two threads, la's with a tmp of its own (tmp2); or in
	 * one, la's after lb's, with whichever of keys and tmp lb's binned
	 * keys are not in as its tmp.
	 */
	two = meet_in_two(&s, (double)(la.n + lb.n));
	tmp_n = two || lb.n > la.n ? lb.n : la.n;
	if (!r && (!(keys = meet_room(&meet_kept.keys[0], tmp_n * sizeof(*keys))) ||
		   !(qkeys = meet_room(&meet_kept.keys[1], la.n * sizeof(*qkeys))) ||
		   !(tmp = meet_room(&meet_kept.keys[2], tmp_n * sizeof(*tmp))) ||
		   !(count = meet_room(&meet_kept.count[0], 2 * MEET_RADIX * sizeof(*count))) ||
		   (two && (!(tmp2 = meet_room(&meet_kept.keys[3], la.n * sizeof(*tmp2))) ||
			    !(count2 = meet_room(&meet_kept.count[1],
						 2 * MEET_RADIX * sizeof(*count2)))))))
		r = -ENOMEM;
	if (!r) {
		struct meet_orderer oa = {.s = &s,
					  .l = &la,
					  .p = p,
					  .p2 = p2,
					  .keys = qkeys,
					  .tmp = tmp2,
					  .count = two ? count2 : count};
		struct meet_indexer ib = {.o = {.s = &s,
						.l = &lb,
						.p = p,
						.p2 = p2,
						.keys = keys,
						.tmp = tmp,
						.count = count},
					  .ix = &ix,
					  .width = p2 >= 0 ? (limit + s.spare) / s.y[p2] + s.tol[p2]
							   : HUGE_VAL};

		t = hp_now_ms();
		if (two)
			meet_both(meet_order_job, &oa, meet_index_job, &ib);
		else
			meet_index_job(&ib);
		r = ib.r;
		/*
		 * Alone, the other list sorts as fast as this one did (140 ns
		 * an entry, the other core busy).
		 */
		if (!r && !two && s.stop_ms &&
		    hp_plan_clock_ms() + (double)la.n *
					     fmax(MEET_SORT_NS, (hp_now_ms() - t) * 1e6 / lb.n) /
					     1e6 >=
			s.stop_ms)
			r = -E2BIG;
		if (!r && !two) {
			oa.tmp = ix.keys == keys ? tmp : keys;
			meet_order_job(&oa);
		}
	}
	if (!r)
		r = meet_join_all(&s, &la, qkeys, &lb, &ix, p, p2, &best, keep2);
	if (!r && !keep && !short_list && best.v >= limit && lim->beyond > limit && ret_best &&
	    lim->beyond_best && (la.n >= lim->beyond_from || lb.n >= lim->beyond_from)) {
		struct meet_best far = {.v = lim->beyond, .lower = limit, .q = MEET_ROOT};

		if (!meet_join_all(&s, &la, qkeys, &lb, &ix, p, p2, &far, NULL)) {
			lim->beyond_m = far.v;
			memcpy(lim->beyond_best, ret_best, g->n_pods * sizeof(unsigned));
			if (far.v < lim->beyond) {
				meet_choose(&s, &la, far.q, lim->beyond_best);
				meet_choose(&s, &lb, far.l, lim->beyond_best);
			}
		}
	}
	if (!r && keep) {
		lim->full = best.n_keep == best.max_keep;
		r = meet_refine(&s, &la, &lb, &best, lim, base, choice, &best.v);
	}
	free(ix.start);
	lim->nodes -= s.work < lim->nodes ? s.work : lim->nodes;
	lim->whole = !r;
	if (!r && short_list)
		r = -E2BIG; /* not every change was listed */
	if (r < 0 && r != -E2BIG)
		return r;
	if (ret_best && !keep && best.v < limit) {
		meet_choose(&s, &la, best.q, ret_best);
		meet_choose(&s, &lb, best.l, ret_best);
	}
	*ret = best.v;
	return r;
}
