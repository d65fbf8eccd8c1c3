// The softmax of one row of attention scores, beside the tiles that produce and consume them.
#ifndef CGEMM_SOFTMAX_H
#define CGEMM_SOFTMAX_H

#ifdef __cplusplus
extern "C" {
#endif

/// Replaces `scores[0 ..< count]` by their softmax weights in place and returns 1, or returns 0
/// (leaving the row as it was) when every score is -infinity. `count` must be a multiple of 8;
/// a score of -infinity (a masked key, or the caller's round-up) gets a weight of exactly zero.
///
/// e^x is the polynomial of the Swift `FastMath.exp`, operation for operation (no fused
/// multiply-adds). The sum runs in 32 fixed partial sums (key j into sum j mod 32, each in key
/// order), added in a fixed tree: so every CPU and instruction set gives the same bits, a row's
/// weights depend on nothing but the row, and zeros appended to a row change nothing.
int cgemm_softmax_row(float *scores, int count);

#ifdef __cplusplus
}
#endif

#endif
