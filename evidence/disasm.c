/* Decodes one instruction with Capstone (x86-64 or arm64) and maps it to cjd's instruction classes. */
#include <capstone/capstone.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codesample_internal.h"

struct cjd_disasm {
	csh h;
	cs_insn *insn;
	enum cjd_arch arch;
};

static const char *const class_names[CJD_ICLASS__COUNT] = {
	[CJD_ICLASS_AES] = "aes",         [CJD_ICLASS_CLMUL] = "clmul",
	[CJD_ICLASS_MUL64] = "mul64",     [CJD_ICLASS_INT_SIMD] = "int_simd",
	[CJD_ICLASS_ALU] = "alu",         [CJD_ICLASS_FP] = "fp",
	[CJD_ICLASS_LOAD] = "load",       [CJD_ICLASS_STORE] = "store",
	[CJD_ICLASS_BRANCH] = "branch",   [CJD_ICLASS_CALL] = "call",
	[CJD_ICLASS_SYSCALL] = "syscall", [CJD_ICLASS_OTHER] = "other",
};

const char *cjd_iclass_name(enum cjd_iclass c)
{
	return (unsigned)c < CJD_ICLASS__COUNT ? class_names[c] : "?";
}

const char *cjd_arch_name(enum cjd_arch a)
{
	return a == CJD_ARCH_ARM64 ? "arm64" : "x86_64";
}

int cjd_disasm_host_arch(void)
{
#if defined(__x86_64__)
	return CJD_ARCH_X86_64;
#elif defined(__aarch64__)
	return CJD_ARCH_ARM64;
#else
	return -ENOTSUP;
#endif
}

int cjd_disasm_new(enum cjd_arch arch, struct cjd_disasm **out)
{
	struct cjd_disasm *d = calloc(1, sizeof(*d));
	cs_err e;

	*out = NULL;
	if (!d)
		return -ENOMEM;
	d->arch = arch;
	e = arch == CJD_ARCH_ARM64 ? cs_open(CS_ARCH_ARM64, CS_MODE_ARM, &d->h)
				   : cs_open(CS_ARCH_X86, CS_MODE_64, &d->h);
	if (e != CS_ERR_OK) {
		free(d);
		return e == CS_ERR_MEM ? -ENOMEM : -ENOTSUP;
	}
	/* Groups and operands are what the classes are made of. */
	cs_option(d->h, CS_OPT_DETAIL, CS_OPT_ON);
	d->insn = cs_malloc(d->h);
	if (!d->insn) {
		cs_close(&d->h);
		free(d);
		return -ENOMEM;
	}
	*out = d;
	return 0;
}

void cjd_disasm_free(struct cjd_disasm *d)
{
	if (!d)
		return;
	cs_free(d->insn, 1);
	cs_close(&d->h);
	free(d);
}

static bool in_group(const cs_insn *in, uint8_t g)
{
	for (uint8_t i = 0; i < in->detail->groups_count; i++)
		if (in->detail->groups[i] == g)
			return true;
	return false;
}

/* Whole-word match against a NULL-terminated list. */
static bool is_one_of(const char *m, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(m, *list))
			return true;
	return false;
}

static bool starts_with(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && !strcmp(s + n - k, suffix);
}

/* ---- x86-64 ---- */

static const char *const x86_alu[] = {
	"add", "adc", "adcx", "adox", "sub", "sbb", "inc", "dec", "neg", "not", "and", "andn",
	"or", "xor", "rol", "ror", "rorx", "rcl", "rcr", "shl", "sal", "shr", "sar", "shlx",
	"shrx", "sarx", "shld", "shrd", "cmp", "test", "lea", "bswap", "bt", "btc", "btr", "bts",
	"bsf", "bsr", "lzcnt", "tzcnt", "popcnt", "mul", "imul", "div", "idiv", "xadd", "blsi",
	"blsr", "blsmsk", "bextr", "bzhi", "pdep", "pext", "crc32", "cmpxchg", NULL};
static const char *const x86_mul[] = {"mul", "imul", "mulx", NULL};
static const char *const x86_syscall[] = {"syscall", "sysenter", "int", "int3", "into", NULL};

/* The mnemonic without prefixes Capstone folds into it ("rep movsb", "lock xadd"). */
static const char *x86_base(const char *m)
{
	static const char *const prefixes[] = {"lock ", "rep ", "repe ", "repne ", "repz ",
					       "repnz ", "notrack ", "bnd ", NULL};
	for (const char *const *p = prefixes; *p; p++)
		if (starts_with(m, *p))
			return x86_base(m + strlen(*p));
	return m;
}

static bool x86_is_vec_reg(csh h, x86_reg r)
{
	const char *n = cs_reg_name(h, r);

	return n && (starts_with(n, "xmm") || starts_with(n, "ymm") || starts_with(n, "zmm") ||
		     (n[0] == 'm' && n[1] == 'm'));
}

static void x86_classify(const struct cjd_disasm *d, const cs_insn *in, struct cjd_insn *out)
{
	const cs_x86 *x = &in->detail->x86;
	const char *m = x86_base(in->mnemonic);
	const char *v = m[0] == 'v' ? m + 1 : m; /* VEX/EVEX forms share the legacy name */
	bool vec = false, wide = false;

	/* lea and nop name memory they never touch; prefetches only hint. */
	bool no_access = !strcmp(m, "lea") || starts_with(m, "nop") || starts_with(m, "prefetch");
	for (uint8_t i = 0; i < x->op_count; i++) {
		const cs_x86_op *op = &x->operands[i];
		if (op->type == X86_OP_REG && x86_is_vec_reg(d->h, op->reg))
			vec = true;
		if (op->size == 8 && op->type != X86_OP_IMM)
			wide = true;
		if (op->type == X86_OP_MEM && !no_access) {
			/* Capstone leaves access 0 for a few forms: a memory operand is read at least. */
			if (op->access & CS_AC_WRITE)
				out->mem_write = true;
			if ((op->access & CS_AC_READ) || !op->access)
				out->mem_read = true;
		}
	}
	/* push and pop touch the stack through an implicit operand. */
	if (!strcmp(m, "push"))
		out->mem_write = true;
	else if (!strcmp(m, "pop"))
		out->mem_read = true;

	out->ends_block = true;
	if (in_group(in, X86_GRP_INT) || is_one_of(m, x86_syscall))
		out->cls = CJD_ICLASS_SYSCALL;
	else if (in_group(in, X86_GRP_CALL) || in_group(in, X86_GRP_RET) || in_group(in, X86_GRP_IRET))
		out->cls = CJD_ICLASS_CALL;
	else if (in_group(in, X86_GRP_JUMP)) {
		out->cls = CJD_ICLASS_BRANCH;
		/* Capstone gives relative targets as absolute addresses. */
		if (x->op_count == 1 && x->operands[0].type == X86_OP_IMM) {
			out->has_target = true;
			out->target = (uint64_t)x->operands[0].imm;
		}
	} else {
		out->ends_block = false;
		if (in_group(in, X86_GRP_AES) || starts_with(v, "aes"))
			out->cls = CJD_ICLASS_AES;
		else if (in_group(in, X86_GRP_PCLMUL) || starts_with(v, "pclmul"))
			out->cls = CJD_ICLASS_CLMUL;
		else if (is_one_of(m, x86_mul) && wide && !vec)
			out->cls = CJD_ICLASS_MUL64;
		else if (in_group(in, X86_GRP_FPU) || starts_with(v, "ldmxcsr") || starts_with(v, "stmxcsr"))
			out->cls = CJD_ICLASS_FP;
		else if (!strcmp(m, "push") || starts_with(m, "stos"))
			out->cls = CJD_ICLASS_STORE;
		else if (!strcmp(m, "pop") || starts_with(m, "lods"))
			out->cls = CJD_ICLASS_LOAD;
		else if (starts_with(v, "mov") || starts_with(v, "lddqu") || starts_with(v, "pbroadcast") ||
			 starts_with(v, "broadcast")) {
			/* Data movement, classed by where it moves to; register moves are "other".
			 * Capstone 4 marks some SSE stores' memory operand as read, so the operand's
			 * position decides: in Intel order the destination comes first. */
			bool to_mem = x->op_count && x->operands[0].type == X86_OP_MEM;
			if (to_mem) {
				out->mem_write = true;
				out->mem_read = false;
			}
			out->cls = to_mem ? CJD_ICLASS_STORE :
				   out->mem_read ? CJD_ICLASS_LOAD : CJD_ICLASS_OTHER;
		}
		else if (vec || in_group(in, X86_GRP_SSE1) || in_group(in, X86_GRP_SSE2) ||
			 in_group(in, X86_GRP_AVX) || in_group(in, X86_GRP_AVX2) ||
			 in_group(in, X86_GRP_AVX512) || in_group(in, X86_GRP_MMX)) {
			/* Float forms end in ps/pd/ss/sd (addpd, vfmadd231sd, xorps) or convert. */
			if (ends_with(v, "ps") || ends_with(v, "pd") || ends_with(v, "ss") ||
			    ends_with(v, "sd") || starts_with(v, "cvt") || starts_with(v, "fmadd") ||
			    starts_with(v, "fmsub") || starts_with(v, "fnmadd") || starts_with(v, "fnmsub"))
				out->cls = CJD_ICLASS_FP;
			else
				out->cls = CJD_ICLASS_INT_SIMD;
		} else if (is_one_of(m, x86_alu) || starts_with(m, "cmov") || starts_with(m, "set"))
			out->cls = CJD_ICLASS_ALU;
		else
			out->cls = CJD_ICLASS_OTHER;
	}
}

/* ---- arm64 ---- */

static const char *const a64_mul[] = {"mul", "madd", "msub", "mneg", "umulh", "smulh", "umull",
				      "smull", "umaddl", "smaddl", "umsubl", "smsubl", "umnegl",
				      "smnegl", NULL};
static const char *const a64_alu[] = {
	"add", "adds", "sub", "subs", "adc", "adcs", "sbc", "sbcs", "and", "ands", "orr", "orn",
	"eor", "eon", "bic", "bics", "mvn", "neg", "negs", "ngc", "lsl", "lsr", "asr", "ror",
	"extr", "cmp", "cmn", "tst", "ccmp", "ccmn", "csel", "csinc", "csinv", "csneg", "cset",
	"csetm", "cinc", "cinv", "cneg", "ubfx", "sbfx", "ubfiz", "sbfiz", "bfi", "bfxil", "bfm",
	"ubfm", "sbfm", "clz", "cls", "rbit", "rev", "rev16", "rev32", "udiv", "sdiv", "adr",
	"adrp", "sxtw", "sxth", "sxtb", "uxtw", "uxth", "uxtb", "crc32b", "crc32h", "crc32w",
	"crc32x", "crc32cb", "crc32ch", "crc32cw", "crc32cx", NULL};
static const char *const a64_call[] = {"bl", "blr", "blraa", "blrab", "blraaz", "blrabz", "ret",
				       "retaa", "retab", NULL};
/* Atomic read-modify-write instructions: they both load and store. */
static const char *const a64_rmw_prefix[] = {"ldadd", "ldclr", "ldeor", "ldset", "ldsmax",
					     "ldsmin", "ldumax", "ldumin", "swp", "cas", NULL};

static void a64_classify(const cs_insn *in, struct cjd_insn *out)
{
	const char *m = in->mnemonic, *ops = in->op_str;
	/* SIMD&FP registers: v0.4s, q0, d0, s0, h0, b0 (an x/w operand is a general register). */
	bool vreg = ops[0] == 'v' || ops[0] == 'q' || ops[0] == 'd' || ops[0] == 's' ||
		    ops[0] == 'h' || ops[0] == 'b';
	bool rmw = false;

	for (const char *const *p = a64_rmw_prefix; *p; p++)
		rmw |= starts_with(m, *p);

	out->ends_block = true;
	if (in_group(in, ARM64_GRP_INT))
		out->cls = CJD_ICLASS_SYSCALL;
	else if (is_one_of(m, a64_call) || in_group(in, ARM64_GRP_RET) || in_group(in, ARM64_GRP_CALL))
		out->cls = CJD_ICLASS_CALL;
	else if (in_group(in, ARM64_GRP_JUMP)) {
		const cs_arm64 *a = &in->detail->arm64;
		out->cls = CJD_ICLASS_BRANCH;
		/* b, b.cond, cbz/cbnz, tbz/tbnz: the target is the last operand, absolute. */
		if (a->op_count && a->operands[a->op_count - 1].type == ARM64_OP_IMM) {
			out->has_target = true;
			out->target = (uint64_t)a->operands[a->op_count - 1].imm;
		}
	} else {
		out->ends_block = false;
		if (starts_with(m, "aes"))
			out->cls = CJD_ICLASS_AES;
		else if (starts_with(m, "pmull"))
			out->cls = CJD_ICLASS_CLMUL;
		else if (rmw) {
			out->cls = CJD_ICLASS_LOAD;
			out->mem_read = out->mem_write = true;
		} else if (starts_with(m, "ld")) {
			out->cls = CJD_ICLASS_LOAD;
			out->mem_read = true;
		} else if (starts_with(m, "st")) {
			out->cls = CJD_ICLASS_STORE;
			out->mem_write = true;
		} else if (is_one_of(m, a64_mul) && ops[0] == 'x')
			out->cls = CJD_ICLASS_MUL64;
		else if (m[0] == 'f' || !strcmp(m, "scvtf") || !strcmp(m, "ucvtf") ||
			 in_group(in, ARM64_GRP_FPARMV8))
			out->cls = CJD_ICLASS_FP;
		else if (starts_with(m, "mov") || starts_with(m, "nop") || starts_with(m, "prfm"))
			out->cls = CJD_ICLASS_OTHER;
		else if (vreg || in_group(in, ARM64_GRP_NEON))
			out->cls = CJD_ICLASS_INT_SIMD;
		else if (is_one_of(m, a64_alu) || is_one_of(m, a64_mul))
			out->cls = CJD_ICLASS_ALU;
		else
			out->cls = CJD_ICLASS_OTHER;
	}
}

int cjd_disasm_one(struct cjd_disasm *d, const uint8_t *code, size_t len, uint64_t addr,
		   struct cjd_insn *out)
{
	const uint8_t *p = code;
	size_t n = len;
	uint64_t a = addr;

	memset(out, 0, sizeof(*out));
	if (!cs_disasm_iter(d->h, &p, &n, &a, d->insn))
		return -EILSEQ;
	out->addr = addr;
	out->len = d->insn->size;
	/* Truncation is fine: the text only helps tests and debugging. */
	size_t k = strlen(d->insn->mnemonic);
	if (k >= sizeof(out->text))
		k = sizeof(out->text) - 1;
	memcpy(out->text, d->insn->mnemonic, k);
	if (d->insn->op_str[0] && k + 1 < sizeof(out->text)) {
		out->text[k++] = ' ';
		size_t m = strlen(d->insn->op_str);
		if (m > sizeof(out->text) - 1 - k)
			m = sizeof(out->text) - 1 - k;
		memcpy(out->text + k, d->insn->op_str, m);
		k += m;
	}
	out->text[k] = '\0';
	if (d->arch == CJD_ARCH_ARM64)
		a64_classify(d->insn, out);
	else
		x86_classify(d, d->insn, out);
	return 0;
}
