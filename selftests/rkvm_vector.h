/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Vector helpers of the project's vector selftests: moving all 32
 * registers between them and memory in one asm block, and vlenb, on a
 * CPU with V (the tests are built without V: the compiler never touches
 * the vector registers itself).
 */
#ifndef RKVM_VECTOR_H
#define RKVM_VECTOR_H

#define NR_VREGS	32
/* The largest vlenb the tests handle: VLEN 2048 (QEMU allows up to 1024). */
#define MAX_VLENB	256

/*
 * The 32 registers, LMUL=8 at a time: vl (t0) is 8 * vlenb bytes, so
 * v0, v8, v16 and v24 move eight registers each. Changes vl and vtype
 * and the register named by @base.
 */
#define VREGS_OP(op, base)						\
	".option push\n\t"						\
	".option arch, +v\n\t"						\
	"vsetvli t0, x0, e8, m8, ta, ma\n\t"				\
	op " v0, (" base ")\n\t"  "add " base ", " base ", t0\n\t"	\
	op " v8, (" base ")\n\t"  "add " base ", " base ", t0\n\t"	\
	op " v16, (" base ")\n\t" "add " base ", " base ", t0\n\t"	\
	op " v24, (" base ")\n\t"					\
	".option pop\n\t"

/* The bytes of one vector register. */
static inline unsigned long rkvm_csr_vlenb(void)
{
	unsigned long v;

	asm volatile(".option push\n\t.option arch, +v\n\t"
		     "csrr %0, vlenb\n\t.option pop" : "=r" (v));
	return v;
}

#endif /* RKVM_VECTOR_H */
