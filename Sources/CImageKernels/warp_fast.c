/*
 * The fast sampler of the centered geometry: bilinear interpolation in integer fixed point,
 * written as rounded bytes. The centered geometry has no reference to match bit for bit, so its
 * interior samples need not repeat scipy's double arithmetic; they must stay within one level of
 * it (tested) and be the same bytes on every CPU (integer arithmetic only, so the AVX2 path and
 * the portable one agree exactly).
 *
 * Coordinates: 16 fractional bits. The coordinate of pixel c is taken from the double-precision
 * coordinate of its block's first pixel (c rounded down to a multiple of 8, whatever the run's
 * start), plus (c - anchor) steps, so every path computes the same integers and the error stays
 * below 5/65536 of a pixel. Weights: 14 bits. A sample: each row's taps interpolated across
 * (22 bits), rounded to 15 bits, interpolated down, rounded to a byte. Its error before the
 * final rounding is below 0.02 of a level, so it differs from the exact sample by at most one
 * level, and only where that one lies within 0.02 of a half.
 *
 * Which pixels take it: every pixel in `nearest` mode (clamped coordinates are exactly scipy's
 * nearest mode), and pixels clearly inside the image in the other modes; the rest (the border,
 * whose fill semantics matter) go to the exact kernel, ik_warp_row.
 */
#include <immintrin.h>
#include <stdlib.h>
#include <string.h>
#include "image_kernels.h"

#define COORD_BITS 16
#define WEIGHT_BITS 14
#define WEIGHT_ONE (1 << WEIGHT_BITS)
/* Coordinates this close to the border (in 1/65536 px) go to the exact kernel: more than the
   error of a block's increments, so a pixel taken here is inside in double arithmetic too. */
#define MARGIN 16
#define COORD_LIMIT 1073741824.0 /* 2^30: coordinates are clamped here before conversion */
#define BLOCK 8

int ik_portable_forced(void);

/* The largest side the fast path takes: (n-1) << 16 must fit in 31 bits. */
static int fits_fast_path(const ik_source *s) {
    return s->width <= 16384 && s->height <= 16384 && s->width >= 2 && s->height >= 2;
}

/* A coordinate in 1/65536 px, rounded half to even (cvtsd2si under the default MXCSR; nearbyint
   would be a library call that saves and restores the FP environment), clamped far outside. */
static inline int fixed_coordinate(double v) {
    double scaled = v * 65536.0;
    if (!(scaled > -COORD_LIMIT)) scaled = -COORD_LIMIT; /* NaN too */
    if (scaled > COORD_LIMIT) scaled = COORD_LIMIT;
    return _mm_cvtsd_si32(_mm_set_sd(scaled));
}

typedef struct {
    int off;        /* byte offset of the top-left tap */
    int fy, fx;     /* weights of the second row and column, 0...WEIGHT_ONE */
} fixed_taps;

/* Sides up to this fold with 32-bit periods (reflect: 2n << 16 <= 2^30). */
#define FOLD_LIMIT 8192

static inline int folds(ik_boundary boundary) { return boundary == IK_REFLECT || boundary == IK_GRID_WRAP; }

/*
 * A coordinate outside the image folded in, as scipy's modes map it: `reflect` mirrors about -0.5
 * and n-0.5 (period 2n) and its taps then clamp to the edge, which is bilinear on the coordinate
 * clamped to [0, n-1]; `grid-wrap` repeats with period n, and a coordinate in the last column
 * interpolates between column n-1 and column 0, which are not neighbours in memory: those (a strip
 * one pixel wide) go to the exact kernel. Both maps are continuous, so the fixed-point error stays
 * that of the interior. Returns 0 for the exact kernel (also beyond two periods).
 */
static inline int fold(ik_boundary boundary, int v, int n, int *folded) {
    const int one = 1 << COORD_BITS, size = n << COORD_BITS;
    const int period = boundary == IK_REFLECT ? 2 * size : size;
    if (v < 0) v += period;
    if (v < 0) v += period;
    if (v >= period) v -= period;
    if (v >= period) v -= period;
    if (v < 0 || v >= period) return 0;
    if (boundary == IK_REFLECT) {
        if (v >= size) v = period - one - v;
        v = v < 0 ? 0 : (v > size - one ? size - one : v);
    } else if ((v >> COORD_BITS) >= n - 1) {
        return 0;
    }
    *folded = v;
    return 1;
}

/* Taps of the pixel at fixed coordinates (y, x); 0 when it belongs to the exact kernel. */
static inline int taps_of(const ik_source *s, ik_boundary boundary, int y, int x, fixed_taps *t) {
    const int ymax = (s->height - 1) << COORD_BITS, xmax = (s->width - 1) << COORD_BITS;
    if (boundary == IK_NEAREST) {
        y = y < 0 ? 0 : (y > ymax ? ymax : y);
        x = x < 0 ? 0 : (x > xmax ? xmax : x);
    } else if (folds(boundary)) {
        if (!fold(boundary, y, s->height, &y) || !fold(boundary, x, s->width, &x)) return 0;
    } else if (y < MARGIN || y > ymax - MARGIN || x < MARGIN || x > xmax - MARGIN) {
        return 0;
    }
    int iy = y >> COORD_BITS, ix = x >> COORD_BITS;
    t->fy = (y & 0xFFFF) >> (COORD_BITS - WEIGHT_BITS);
    t->fx = (x & 0xFFFF) >> (COORD_BITS - WEIGHT_BITS);
    /* Exactly on the last row or column: the same point as the tap before it at full weight. */
    if (iy > s->height - 2) { iy = s->height - 2; t->fy = WEIGHT_ONE; }
    if (ix > s->width - 2) { ix = s->width - 2; t->fx = WEIGHT_ONE; }
    t->off = iy * (int)s->stride + ix * s->channels;
    return 1;
}

static inline void sample_pixel(const ik_source *s, const fixed_taps *t, uint8_t *out) {
    const int ch = s->channels;
    const uint8_t *top = s->pixels + t->off, *bottom = top + s->stride;
    const int wx0 = WEIGHT_ONE - t->fx, wy0 = WEIGHT_ONE - t->fy;
    for (int k = 0; k < ch; k++) {
        int h0 = (top[k] * wx0 + top[k + ch] * t->fx + 64) >> 7;
        int h1 = (bottom[k] * wx0 + bottom[k + ch] * t->fx + 64) >> 7;
        out[k] = (uint8_t)((h0 * wy0 + h1 * t->fy + (1 << 20)) >> 21);
    }
}

typedef struct {
    const ik_source *s;
    ik_boundary boundary;
    float cval;
    double row_base, col_base, a01, a11;
    int dy, dx;           /* fixed-point steps per pixel */
    int c0;
    uint8_t fill;         /* cval as a byte, as the exact kernel rounds it */
    uint8_t *out;
    ptrdiff_t out_step;
} row_job;

static inline uint8_t *pixel_out(const row_job *j, int c) { return j->out + (ptrdiff_t)(c - j->c0) * j->out_step; }

static void exact_pixel(const row_job *j, int c) {
    ik_warp_row(j->s, j->boundary, j->cval, j->row_base, j->col_base, j->a01, j->a11, c, c + 1, pixel_out(j, c),
                j->out_step, IK_ROUND, NULL);
}

/* Pixels c..end-1, one at a time: the definition every path matches. */
static void pixels_portable(const row_job *j, int c, int end) {
    int anchor = -1, y0 = 0, x0 = 0;
    for (; c < end; c++) {
        int a = c & ~(BLOCK - 1);
        if (a != anchor) {
            anchor = a;
            y0 = fixed_coordinate(j->row_base + (double)a * j->a01);
            x0 = fixed_coordinate(j->col_base + (double)a * j->a11);
        }
        fixed_taps t;
        if (taps_of(j->s, j->boundary, y0 + (c - a) * j->dy, x0 + (c - a) * j->dx, &t)) {
            sample_pixel(j->s, &t, pixel_out(j, c));
        } else {
            exact_pixel(j, c);
        }
    }
}

/* fold() on eight lanes; `bad` marks the lanes for the exact kernel. */
__attribute__((target("avx2")))
static inline __m256i fold_avx2(ik_boundary boundary, __m256i v, int n, __m256i *bad) {
    const int one = 1 << COORD_BITS, size = n << COORD_BITS;
    const int period = boundary == IK_REFLECT ? 2 * size : size;
    const __m256i zero = _mm256_setzero_si256(), p = _mm256_set1_epi32(period), last = _mm256_set1_epi32(period - 1);
    for (int i = 0; i < 2; i++) v = _mm256_add_epi32(v, _mm256_and_si256(_mm256_cmpgt_epi32(zero, v), p));
    for (int i = 0; i < 2; i++) v = _mm256_sub_epi32(v, _mm256_and_si256(_mm256_cmpgt_epi32(v, last), p));
    *bad = _mm256_or_si256(_mm256_cmpgt_epi32(zero, v), _mm256_cmpgt_epi32(v, last));
    if (boundary == IK_REFLECT) {
        __m256i mirrored = _mm256_sub_epi32(_mm256_set1_epi32(period - one), v);
        v = _mm256_blendv_epi8(v, mirrored, _mm256_cmpgt_epi32(v, _mm256_set1_epi32(size - 1)));
        v = _mm256_min_epi32(_mm256_max_epi32(v, zero), _mm256_set1_epi32(size - one));
    } else {
        /* the last column: (v >> 16) >= n - 1 */
        *bad = _mm256_or_si256(*bad, _mm256_cmpgt_epi32(v, _mm256_set1_epi32(((n - 1) << COORD_BITS) - 1)));
    }
    return v;
}

/*
 * Eight 3-channel pixels per step. Lanes of the three working registers are (pixel, channel)
 * items in output order (RGB RGB ...), so results need no transposing: each 128-bit half holds
 * four items of two neighbouring pixels, whose two 8-byte tap words one gather brings. Lane j of
 * the per-pixel vectors is the j-th pixel in memory order, which is pixel anchor+7-j when the
 * row is written right to left (a horizontal flip).
 */
__attribute__((target("avx2")))
static void block_rgb_avx2(const row_job *j, int a, __m256i lane_dy, __m256i lane_dx) {
    const ik_source *s = j->s;
    const int forward = j->out_step > 0;
    const int first = forward ? a : a + BLOCK - 1; /* the pixel at the lowest address */
    __m256i y = _mm256_add_epi32(_mm256_set1_epi32(fixed_coordinate(j->row_base + (double)a * j->a01)), lane_dy);
    __m256i x = _mm256_add_epi32(_mm256_set1_epi32(fixed_coordinate(j->col_base + (double)a * j->a11)), lane_dx);
    const __m256i ymax = _mm256_set1_epi32((s->height - 1) << COORD_BITS);
    const __m256i xmax = _mm256_set1_epi32((s->width - 1) << COORD_BITS);
    int exact = 0, far_lanes = 0;
    __m256i far = _mm256_setzero_si256();
    if (j->boundary == IK_NEAREST) {
        y = _mm256_min_epi32(_mm256_max_epi32(y, _mm256_setzero_si256()), ymax);
        x = _mm256_min_epi32(_mm256_max_epi32(x, _mm256_setzero_si256()), xmax);
    } else if (folds(j->boundary)) {
        __m256i bad_y, bad_x;
        y = fold_avx2(j->boundary, y, s->height, &bad_y);
        x = fold_avx2(j->boundary, x, s->width, &bad_x);
        __m256i bad = _mm256_or_si256(bad_y, bad_x);
        exact = _mm256_movemask_ps(_mm256_castsi256_ps(bad));
        if (exact == 0xFF) {
            for (int k = 0; k < BLOCK; k++) exact_pixel(j, a + k);
            return;
        }
        y = _mm256_andnot_si256(bad, y);
        x = _mm256_andnot_si256(bad, x);
    } else {
        const __m256i low = _mm256_set1_epi32(MARGIN - 1);
        __m256i out = _mm256_or_si256(
            _mm256_or_si256(_mm256_cmpgt_epi32(low, y), _mm256_cmpgt_epi32(y, _mm256_sub_epi32(ymax, low))),
            _mm256_or_si256(_mm256_cmpgt_epi32(low, x), _mm256_cmpgt_epi32(x, _mm256_sub_epi32(xmax, low))));
        exact = _mm256_movemask_ps(_mm256_castsi256_ps(out));
        if (exact && j->boundary == IK_CONSTANT) {
            /* Clearly outside (not within MARGIN of the border): the exact kernel would give cval. */
            const __m256i far_low = _mm256_set1_epi32(-MARGIN), far_y = _mm256_set1_epi32(((s->height - 1) << COORD_BITS) + MARGIN),
                          far_x = _mm256_set1_epi32(((s->width - 1) << COORD_BITS) + MARGIN);
            far = _mm256_or_si256(_mm256_or_si256(_mm256_cmpgt_epi32(far_low, y), _mm256_cmpgt_epi32(y, far_y)),
                                  _mm256_or_si256(_mm256_cmpgt_epi32(far_low, x), _mm256_cmpgt_epi32(x, far_x)));
            far_lanes = _mm256_movemask_ps(_mm256_castsi256_ps(far));
            exact &= ~far_lanes;
            if (far_lanes == 0xFF) {
                uint8_t *dst = pixel_out(j, first);
                memset(dst, j->fill, 3 * BLOCK);
                return;
            }
        }
        if (exact == 0xFF) {
            for (int k = 0; k < BLOCK; k++) exact_pixel(j, a + k);
            return;
        }
        /* lanes for the exact kernel: any valid taps, overwritten below */
        y = _mm256_andnot_si256(out, y);
        x = _mm256_andnot_si256(out, x);
    }
    __m256i iy = _mm256_srai_epi32(y, COORD_BITS), ix = _mm256_srai_epi32(x, COORD_BITS);
    const __m256i fraction = _mm256_set1_epi32(0xFFFF), one = _mm256_set1_epi32(WEIGHT_ONE);
    __m256i fy = _mm256_srli_epi32(_mm256_and_si256(y, fraction), COORD_BITS - WEIGHT_BITS);
    __m256i fx = _mm256_srli_epi32(_mm256_and_si256(x, fraction), COORD_BITS - WEIGHT_BITS);
    const __m256i last_row = _mm256_set1_epi32(s->height - 2), last_col = _mm256_set1_epi32(s->width - 2);
    __m256i row_over = _mm256_cmpgt_epi32(iy, last_row), col_over = _mm256_cmpgt_epi32(ix, last_col);
    iy = _mm256_blendv_epi8(iy, last_row, row_over);
    fy = _mm256_blendv_epi8(fy, one, row_over);
    ix = _mm256_blendv_epi8(ix, last_col, col_over);
    fx = _mm256_blendv_epi8(fx, one, col_over);
    const int stride = (int)s->stride;
    __m256i off = _mm256_add_epi32(_mm256_mullo_epi32(iy, _mm256_set1_epi32(stride)),
                                   _mm256_add_epi32(ix, _mm256_add_epi32(ix, ix)));
    /* An 8-byte word from the bottom-right pixels of the buffer would pass its end. */
    __m256i last_word = _mm256_set1_epi32((int)(s->size - 8) - stride);
    if (!_mm256_testz_si256(_mm256_cmpgt_epi32(off, last_word), _mm256_set1_epi32(-1))) {
        pixels_portable(j, a, a + BLOCK);
        return;
    }
    __m256i hw = _mm256_or_si256(_mm256_sub_epi32(one, fx), _mm256_slli_epi32(fx, 16));
    __m256i vw = _mm256_or_si256(_mm256_sub_epi32(one, fy), _mm256_slli_epi32(fy, 16));
    /* items of register r: pixels of each 128-bit half, and which tap pairs each lane takes */
    const __m256i items[3] = {_mm256_setr_epi32(0, 0, 0, 1, 1, 1, 2, 2), _mm256_setr_epi32(2, 3, 3, 3, 4, 4, 4, 5),
                              _mm256_setr_epi32(5, 5, 6, 6, 6, 7, 7, 7)};
    /* (byte of tap 0, byte of tap 1) of each item, zero-extended to 16 bits: words A (bytes
       0-7) and B (8-15) of the half */
    const __m128i c0 = _mm_setr_epi8(0, -1, 3, -1, 1, -1, 4, -1, 2, -1, 5, -1, 8, -1, 11, -1);  /* A.R A.G A.B B.R */
    const __m128i c1 = _mm_setr_epi8(1, -1, 4, -1, 2, -1, 5, -1, 8, -1, 11, -1, 9, -1, 12, -1); /* A.G A.B B.R B.G */
    const __m128i c2 = _mm_setr_epi8(2, -1, 5, -1, 8, -1, 11, -1, 9, -1, 12, -1, 10, -1, 13, -1); /* A.B B.R B.G B.B */
    const __m256i controls[3] = {_mm256_setr_m128i(c0, c1), _mm256_setr_m128i(c2, c0), _mm256_setr_m128i(c1, c2)};
    const __m256i round_h = _mm256_set1_epi32(64), round_v = _mm256_set1_epi32(1 << 20);
    __m256i v[3];
    int offs[8];
    _mm256_storeu_si256((__m256i *)offs, off);
    static const unsigned char word_ix[3][4] = {{0, 1, 1, 2}, {2, 3, 4, 5}, {5, 6, 6, 7}};
    const uintptr_t later = (uintptr_t)s->pixels + (uintptr_t)s->prefetch_ahead; /* never dereferenced */
    for (int k = 0; k < BLOCK; k += 2) _mm_prefetch((const char *)(later + (uintptr_t)(intptr_t)offs[k]), _MM_HINT_T0);
    for (int r = 0; r < 3; r++) {
        /* 8-byte loads: on these AMD cores faster than vpgatherdq (measured) */
        const uint8_t *p = s->pixels;
        int w0 = offs[word_ix[r][0]], w1 = offs[word_ix[r][1]], w2 = offs[word_ix[r][2]], w3 = offs[word_ix[r][3]];
        __m256i top = _mm256_setr_m128i(
            _mm_unpacklo_epi64(_mm_loadl_epi64((const __m128i *)(p + w0)), _mm_loadl_epi64((const __m128i *)(p + w1))),
            _mm_unpacklo_epi64(_mm_loadl_epi64((const __m128i *)(p + w2)), _mm_loadl_epi64((const __m128i *)(p + w3))));
        p += stride;
        __m256i bottom = _mm256_setr_m128i(
            _mm_unpacklo_epi64(_mm_loadl_epi64((const __m128i *)(p + w0)), _mm_loadl_epi64((const __m128i *)(p + w1))),
            _mm_unpacklo_epi64(_mm_loadl_epi64((const __m128i *)(p + w2)), _mm_loadl_epi64((const __m128i *)(p + w3))));
        __m256i h = _mm256_permutevar8x32_epi32(hw, items[r]);
        __m256i h0 = _mm256_srai_epi32(_mm256_add_epi32(_mm256_madd_epi16(_mm256_shuffle_epi8(top, controls[r]), h), round_h), 7);
        __m256i h1 = _mm256_srai_epi32(_mm256_add_epi32(_mm256_madd_epi16(_mm256_shuffle_epi8(bottom, controls[r]), h), round_h), 7);
        __m256i pair = _mm256_or_si256(h0, _mm256_slli_epi32(h1, 16));
        v[r] = _mm256_srai_epi32(_mm256_add_epi32(_mm256_madd_epi16(pair, _mm256_permutevar8x32_epi32(vw, items[r])), round_v), 21);
    }
    if (far_lanes) {
        const __m256i fill = _mm256_set1_epi32(j->fill);
        for (int r = 0; r < 3; r++) v[r] = _mm256_blendv_epi8(v[r], fill, _mm256_permutevar8x32_epi32(far, items[r]));
    }
    /* 24 bytes in item order: pack, then put the dwords of the two halves back in sequence */
    __m256i bytes = _mm256_packus_epi16(_mm256_packs_epi32(v[0], v[1]), _mm256_packs_epi32(v[2], v[2]));
    bytes = _mm256_permutevar8x32_epi32(bytes, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
    uint8_t *dst = pixel_out(j, first);
    _mm_storeu_si128((__m128i *)dst, _mm256_castsi256_si128(bytes));
    _mm_storel_epi64((__m128i *)(dst + 16), _mm256_extracti128_si256(bytes, 1));
    while (exact) {
        int lane = __builtin_ctz((unsigned)exact);
        exact &= exact - 1;
        exact_pixel(j, forward ? a + lane : a + BLOCK - 1 - lane);
    }
}

/* The whole blocks of [c, c1) with AVX2; returns the first pixel not done. */
__attribute__((target("avx2")))
static int blocks_rgb_avx2(const row_job *j, int c, int c1) {
    __m256i steps = j->out_step > 0 ? _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7) : _mm256_setr_epi32(7, 6, 5, 4, 3, 2, 1, 0);
    __m256i lane_dy = _mm256_mullo_epi32(steps, _mm256_set1_epi32(j->dy));
    __m256i lane_dx = _mm256_mullo_epi32(steps, _mm256_set1_epi32(j->dx));
    for (; c + BLOCK <= c1; c += BLOCK) block_rgb_avx2(j, c, lane_dy, lane_dx);
    return c;
}

void ik_warp_row_fast(const ik_source *source, ik_boundary boundary, float cval, double row_base, double col_base,
                      double a01, double a11, int c0, int c1, uint8_t *out, ptrdiff_t out_step) {
    int dy = fixed_coordinate(a01), dx = fixed_coordinate(a11);
    /* Steps that could overflow 32 bits within a block, or sides too large: all exact. */
    if (!fits_fast_path(source) || abs(dy) >= (1 << 26) || abs(dx) >= (1 << 26) || c0 < 0 ||
        (folds(boundary) && (source->width > FOLD_LIMIT || source->height > FOLD_LIMIT))) {
        ik_warp_row(source, boundary, cval, row_base, col_base, a01, a11, c0, c1, out, out_step, IK_ROUND, NULL);
        return;
    }
    float clamped = cval < 0.0f ? 0.0f : (cval > 255.0f ? 255.0f : cval);
    uint8_t fill = (uint8_t)_mm_cvtss_si32(_mm_set_ss(clamped)); /* half to even, as the exact kernel */
    row_job j = {source, boundary, cval, row_base, col_base, a01, a11, dy, dx, c0, fill, out, out_step};
    int c = c0;
    if (source->channels == 3 && !ik_portable_forced() && __builtin_cpu_supports("avx2")) {
        int first_block = (c0 + BLOCK - 1) & ~(BLOCK - 1);
        if (first_block + BLOCK <= c1) {
            pixels_portable(&j, c0, first_block);
            c = blocks_rgb_avx2(&j, first_block, c1);
        }
    }
    pixels_portable(&j, c, c1);
}
