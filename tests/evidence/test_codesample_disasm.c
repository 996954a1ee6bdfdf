/* The decoder's class mapping: known x86-64 and arm64 encodings, each with the class and memory access docs/evidence.md promises. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "codesample_internal.h"

enum { R = 1, W = 2 };

struct case_x86 {
	uint8_t b[16];
	unsigned len;
	enum cjd_iclass cls;
	int mem;
	const char *text; /* the decoded text starts with this */
};

static const struct case_x86 x86[] = {
	{{0x66, 0x0f, 0x38, 0xdc, 0xc1}, 5, CJD_ICLASS_AES, 0, "aesenc"},
	{{0xc4, 0xe2, 0x71, 0xdc, 0xc2}, 5, CJD_ICLASS_AES, 0, "vaesenc"},
	{{0x66, 0x0f, 0x3a, 0xdf, 0xc1, 0x01}, 6, CJD_ICLASS_AES, 0, "aeskeygenassist"},
	{{0x66, 0x0f, 0x3a, 0x44, 0xc1, 0x00}, 6, CJD_ICLASS_CLMUL, 0, "pclmulqdq"},
	{{0x48, 0xf7, 0xe3}, 3, CJD_ICLASS_MUL64, 0, "mul rbx"},
	{{0xf7, 0xe3}, 2, CJD_ICLASS_ALU, 0, "mul ebx"},
	{{0x48, 0x0f, 0xaf, 0xc1}, 4, CJD_ICLASS_MUL64, 0, "imul rax, rcx"},
	{{0xc4, 0xe2, 0xfb, 0xf6, 0xc3}, 5, CJD_ICLASS_MUL64, 0, "mulx"},
	{{0x48, 0xf7, 0x23}, 3, CJD_ICLASS_MUL64, R, "mul qword ptr"},
	{{0x48, 0x31, 0xd8}, 3, CJD_ICLASS_ALU, 0, "xor rax, rbx"},
	{{0x48, 0xc1, 0xc0, 0x0d}, 4, CJD_ICLASS_ALU, 0, "rol rax"},
	{{0x48, 0x33, 0x04, 0x0b}, 4, CJD_ICLASS_ALU, R, "xor rax, qword ptr"},
	{{0x48, 0x01, 0x03}, 3, CJD_ICLASS_ALU, R | W, "add qword ptr"},
	{{0x48, 0x8d, 0x04, 0x18}, 4, CJD_ICLASS_ALU, 0, "lea"},
	{{0x48, 0x0f, 0x45, 0xc3}, 4, CJD_ICLASS_ALU, 0, "cmovne"},
	{{0x0f, 0x05}, 2, CJD_ICLASS_SYSCALL, 0, "syscall"},
	{{0x66, 0x0f, 0x58, 0xc1}, 4, CJD_ICLASS_FP, 0, "addpd"},
	{{0x0f, 0x57, 0xc1}, 3, CJD_ICLASS_FP, 0, "xorps"},
	{{0xc4, 0xe2, 0xf5, 0xb8, 0xc2}, 5, CJD_ICLASS_FP, 0, "vfmadd231pd"},
	{{0xf3, 0x0f, 0xe6, 0xc1}, 4, CJD_ICLASS_FP, 0, "cvtdq2pd"},
	{{0x0f, 0xae, 0x13}, 3, CJD_ICLASS_FP, R, "ldmxcsr"},
	{{0xd9, 0xc0}, 2, CJD_ICLASS_FP, 0, "fld"},
	{{0x66, 0x0f, 0xfe, 0xc1}, 4, CJD_ICLASS_INT_SIMD, 0, "paddd"},
	{{0x66, 0x0f, 0xef, 0xc1}, 4, CJD_ICLASS_INT_SIMD, 0, "pxor"},
	{{0xc4, 0xe2, 0x75, 0x00, 0xc2}, 5, CJD_ICLASS_INT_SIMD, 0, "vpshufb"},
	{{0x66, 0x0f, 0xf4, 0xc1}, 4, CJD_ICLASS_INT_SIMD, 0, "pmuludq"},
	{{0x66, 0x0f, 0xef, 0x03}, 4, CJD_ICLASS_INT_SIMD, R, "pxor xmm0, xmmword ptr"},
	{{0x48, 0x8b, 0x03}, 3, CJD_ICLASS_LOAD, R, "mov rax, qword ptr"},
	{{0x48, 0x89, 0x03}, 3, CJD_ICLASS_STORE, W, "mov qword ptr"},
	{{0x66, 0x0f, 0x6f, 0x03}, 4, CJD_ICLASS_LOAD, R, "movdqa xmm0"},
	{{0x66, 0x0f, 0x7f, 0x03}, 4, CJD_ICLASS_STORE, W, "movdqa xmmword ptr"},
	{{0x48, 0x0f, 0xb6, 0x03}, 4, CJD_ICLASS_LOAD, R, "movzx"},
	{{0x48, 0x89, 0xd8}, 3, CJD_ICLASS_OTHER, 0, "mov rax, rbx"},
	{{0x50}, 1, CJD_ICLASS_STORE, W, "push"},
	{{0x58}, 1, CJD_ICLASS_LOAD, R, "pop"},
	{{0xf3, 0xaa}, 2, CJD_ICLASS_STORE, W, "rep stosb"},
	{{0xc3}, 1, CJD_ICLASS_CALL, 0, "ret"},
	{{0xe8, 0, 0, 0, 0}, 5, CJD_ICLASS_CALL, 0, "call"},
	{{0x75, 0xfe}, 2, CJD_ICLASS_BRANCH, 0, "jne"},
	{{0xff, 0xe0}, 2, CJD_ICLASS_BRANCH, 0, "jmp rax"},
	{{0x90}, 1, CJD_ICLASS_OTHER, 0, "nop"},
	{{0x0f, 0x1f, 0x44, 0x00, 0x00}, 5, CJD_ICLASS_OTHER, 0, "nop dword ptr"},
	{{0x0f, 0xa2}, 2, CJD_ICLASS_OTHER, 0, "cpuid"},
};

static void test_x86_classes(void **state)
{
	struct cjd_disasm *d;
	struct cjd_insn in;

	(void)state;
	assert_int_equal(cjd_disasm_new(CJD_ARCH_X86_64, &d), 0);
	for (size_t i = 0; i < sizeof(x86) / sizeof(x86[0]); i++) {
		const struct case_x86 *c = &x86[i];
		assert_int_equal(cjd_disasm_one(d, c->b, c->len, 0x1000, &in), 0);
		if (in.cls != c->cls || in.len != c->len || strncmp(in.text, c->text, strlen(c->text)) ||
		    in.mem_read != !!(c->mem & R) || in.mem_write != !!(c->mem & W))
			fail_msg("case %zu: '%s' len %u class %s mem r%d w%d; expected '%s' len %u class %s mem %d",
				 i, in.text, in.len, cjd_iclass_name(in.cls), in.mem_read, in.mem_write,
				 c->text, c->len, cjd_iclass_name(c->cls), c->mem);
		bool control = c->cls == CJD_ICLASS_BRANCH || c->cls == CJD_ICLASS_CALL ||
			       c->cls == CJD_ICLASS_SYSCALL;
		assert_int_equal(in.ends_block, control);
	}
	/* Direct jumps name their target (absolute); indirect ones cannot. */
	const uint8_t jne[] = {0x75, 0xf6}, jmpr[] = {0xff, 0xe0};
	assert_int_equal(cjd_disasm_one(d, jne, 2, 0x400008, &in), 0);
	assert_true(in.has_target && in.target == 0x400000);
	assert_int_equal(cjd_disasm_one(d, jmpr, 2, 0x400008, &in), 0);
	assert_false(in.has_target);
	cjd_disasm_free(d);
	cjd_disasm_free(NULL);
}

static void test_x86_invalid(void **state)
{
	struct cjd_disasm *d;
	struct cjd_insn in;
	const uint8_t bad[] = {0x06}, cut[] = {0x48, 0x8b};

	(void)state;
	assert_int_equal(cjd_disasm_new(CJD_ARCH_X86_64, &d), 0);
	assert_int_equal(cjd_disasm_one(d, bad, sizeof(bad), 0, &in), -EILSEQ);
	assert_int_equal(cjd_disasm_one(d, cut, sizeof(cut), 0, &in), -EILSEQ);
	assert_int_equal(cjd_disasm_one(d, cut, 0, 0, &in), -EILSEQ);
	cjd_disasm_free(d);
}

struct case_a64 {
	uint32_t w;
	enum cjd_iclass cls;
	int mem;
	const char *text;
};

static const struct case_a64 a64[] = {
	{0x4e284820, CJD_ICLASS_AES, 0, "aese"},
	{0x4e286800, CJD_ICLASS_AES, 0, "aesmc"},
	{0x0ee1e000, CJD_ICLASS_CLMUL, 0, "pmull"},
	{0x9bc37c41, CJD_ICLASS_MUL64, 0, "umulh x1"},
	{0x9b037c41, CJD_ICLASS_MUL64, 0, "mul x1"},
	{0x1b037c41, CJD_ICLASS_ALU, 0, "mul w1"},
	{0xca030041, CJD_ICLASS_ALU, 0, "eor x1"},
	{0x93c30c41, CJD_ICLASS_ALU, 0, "extr"},
	{0x8b020020, CJD_ICLASS_ALU, 0, "add x0"},
	{0x1e612800, CJD_ICLASS_FP, 0, "fadd d0"},
	{0x4e21d400, CJD_ICLASS_FP, 0, "fadd v0.4s"},
	{0x4ea18400, CJD_ICLASS_INT_SIMD, 0, "add v0.4s"},
	{0xf9400020, CJD_ICLASS_LOAD, R, "ldr x0"},
	{0x3dc00020, CJD_ICLASS_LOAD, R, "ldr q0"},
	{0xf9000020, CJD_ICLASS_STORE, W, "str x0"},
	{0xc85f7c20, CJD_ICLASS_LOAD, R, "ldxr x0"},
	{0xd4000001, CJD_ICLASS_SYSCALL, 0, "svc"},
	{0x94000000, CJD_ICLASS_CALL, 0, "bl"},
	{0xd65f03c0, CJD_ICLASS_CALL, 0, "ret"},
	{0x54000001, CJD_ICLASS_BRANCH, 0, "b.ne"},
	{0xb4000000, CJD_ICLASS_BRANCH, 0, "cbz"},
	{0xd503201f, CJD_ICLASS_OTHER, 0, "nop"},
	{0xaa0203e1, CJD_ICLASS_OTHER, 0, "mov x1"},
};

/* arm64 decodes on any host: Capstone carries every architecture. */
static void test_arm64_classes(void **state)
{
	struct cjd_disasm *d;
	struct cjd_insn in;

	(void)state;
	assert_int_equal(cjd_disasm_new(CJD_ARCH_ARM64, &d), 0);
	for (size_t i = 0; i < sizeof(a64) / sizeof(a64[0]); i++) {
		const struct case_a64 *c = &a64[i];
		uint8_t b[4];
		memcpy(b, &c->w, 4); /* little-endian host assumed: both x86-64 and arm64 Linux are */
		if (cjd_disasm_one(d, b, 4, 0x1000, &in) != 0)
			fail_msg("case %zu (%08x) did not decode", i, c->w);
		if (in.cls != c->cls || in.len != 4 || strncmp(in.text, c->text, strlen(c->text)) ||
		    in.mem_read != !!(c->mem & R) || in.mem_write != !!(c->mem & W))
			fail_msg("case %zu (%08x): '%s' class %s mem r%d w%d; expected '%s' class %s mem %d",
				 i, c->w, in.text, cjd_iclass_name(in.cls), in.mem_read, in.mem_write,
				 c->text, cjd_iclass_name(c->cls), c->mem);
	}
	const uint32_t bne = 0x54ffffe1; /* b.ne .-4 */
	assert_int_equal(cjd_disasm_one(d, (const uint8_t *)&bne, 4, 0x1000, &in), 0);
	assert_true(in.has_target && in.target == 0xffc);
	cjd_disasm_free(d);
}

static void test_host_arch(void **state)
{
	(void)state;
#if defined(__x86_64__)
	assert_int_equal(cjd_disasm_host_arch(), CJD_ARCH_X86_64);
#elif defined(__aarch64__)
	assert_int_equal(cjd_disasm_host_arch(), CJD_ARCH_ARM64);
#else
	assert_int_equal(cjd_disasm_host_arch(), -ENOTSUP);
#endif
	assert_string_equal(cjd_arch_name(CJD_ARCH_ARM64), "arm64");
	assert_string_equal(cjd_arch_name(CJD_ARCH_X86_64), "x86_64");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_x86_classes),
		cmocka_unit_test(test_x86_invalid),
		cmocka_unit_test(test_arm64_classes),
		cmocka_unit_test(test_host_arch),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
