/* scipy's boundary arithmetic for reflect and wrap samples (warp_border.c), used by the warp kernels. */
#ifndef AUGMENTD_WARP_BORDER_H
#define AUGMENTD_WARP_BORDER_H

#include <string.h>
#include "image_kernels.h"

/* clip(rint(v), 0, 255), half to even: the byte every warp path stores. */
static inline uint8_t round_byte(float v) {
    v = v < 0.0f ? 0.0f : (v > 255.0f ? 255.0f : v);
    float shifted = v + 8388608.0f; /* the FPU rounds half to even; the integer is in the low bits */
    uint32_t bits;
    memcpy(&bits, &shifted, sizeof bits);
    return (uint8_t)bits;
}

/* One sample at (y, x), some coordinate outside [0, n-1]: scipy's exact double arithmetic. */
void ik_border_sample(const ik_source *s, ik_boundary mode, double y, double x, float values[4]);

/*
 * The samples of the lanes of an 8-pixel block (output columns c + k, k < 8) whose bit is set in
 * `lanes`, rounded to bytes and packed as in the warp kernels (channel k in bits 8k..8k+7). Four
 * lanes at a time in AVX2 doubles, with exactly ik_border_sample's operations.
 */
void ik_border_lanes(const ik_source *s, ik_boundary mode, double row_base, double col_base, double a01,
                     double a11, int c, int lanes, uint32_t packed[8]);

#endif
