/*
 * simd_emu16.h - the "emu16" kernel table of the differential tests (simd_emu16.c: the AVX-512
 * code paths of src/nn/cpu/simd_body.inc on 16-lane vectors emulated by pairs of AVX2 registers),
 * declared where the CPU family can build it (x86, NN_TEST_HAVE_EMU16). Run it only when the CPU
 * has AVX2 (nn__cpu_kernels_for(NN__SIMD_AVX2) != NULL).
 */
#ifndef NN_TESTS_SIMD_EMU16_H
#define NN_TESTS_SIMD_EMU16_H

#include "cpu/cpu.h"

#if defined(__x86_64__) || defined(__i386__)
#define NN_TEST_HAVE_EMU16 1
extern const nn__cpu_kernels nn__cpu_emu16;
#endif

#endif
