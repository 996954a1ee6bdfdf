/* CURVE key files: generation with zmq_curve_keypair, and a strict reader naming file and line. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

#include "cjd/common/time.h"
#include "cjd/publish/curve_keys.h"

static int write_file(const char *path, mode_t mode, bool force, const char *text,
		      struct cjd_error *err)
{
	int flags = O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW | (force ? O_TRUNC : O_EXCL);
	size_t len = strlen(text), off = 0;
	int fd = open(path, flags, mode);
	int rc = 0;

	if (fd < 0) {
		rc = -errno;
		return cjd_error_set(err, rc, path, 0, 0, "%s",
				     rc == -EEXIST ? "exists already (use --force to replace it)"
						   : strerror(-rc));
	}
	/* O_TRUNC keeps an old file's mode: a secret key must not stay world-readable */
	if (fchmod(fd, mode) < 0)
		rc = -errno;
	while (!rc && off < len) {
		ssize_t w = write(fd, text + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			rc = w < 0 ? -errno : -EIO;
		else
			off += (size_t)w;
	}
	if (!rc && fsync(fd) < 0)
		rc = -errno;
	if (close(fd) < 0 && !rc)
		rc = -errno;
	if (rc)
		return cjd_error_set(err, rc, path, 0, 0, "cannot write: %s", strerror(-rc));
	return 0;
}

int cjd_curve_keygen(const char *basename, bool force, struct cjd_curve_keypair *out,
		     struct cjd_error *err)
{
	char pub_path[4096], key_path[4096], ts[40], text[512];
	struct cjd_curve_keypair kp;
	int rc;

	if ((size_t)snprintf(pub_path, sizeof(pub_path), "%s.pub", basename) >= sizeof(pub_path) ||
	    (size_t)snprintf(key_path, sizeof(key_path), "%s.key", basename) >= sizeof(key_path))
		return cjd_error_set(err, -ENAMETOOLONG, basename, 0, 0, "name too long");
	if (zmq_curve_keypair(kp.public_z85, kp.secret_z85) != 0)
		return cjd_error_set(err, -ENOTSUP, basename, 0, 0,
				     "zmq_curve_keypair: %s (libzmq built without CURVE?)",
				     zmq_strerror(zmq_errno()));
	cjd_rfc3339_sec(cjd_now_real_ns(), ts, sizeof(ts));
	snprintf(text, sizeof(text),
		 "# cjd CURVE secret key, created %s. Keep it private (mode 0600).\n"
		 "# The matching public key is in %s.pub.\n"
		 "public-key = %s\n"
		 "secret-key = %s\n",
		 ts, basename, kp.public_z85, kp.secret_z85);
	rc = write_file(key_path, 0600, force, text, err);
	if (rc)
		goto out_wipe;
	snprintf(text, sizeof(text),
		 "# cjd CURVE public key, created %s. Give it to the other side.\n"
		 "public-key = %s\n",
		 ts, kp.public_z85);
	rc = write_file(pub_path, 0644, force, text, err);
	if (rc) {
		unlink(key_path); /* half a keypair is worse than none */
		goto out_wipe;
	}
	if (out)
		*out = kp;
out_wipe:
	explicit_bzero(text, sizeof(text));
	explicit_bzero(kp.secret_z85, sizeof(kp.secret_z85));
	return rc;
}

static bool is_z85_char(char c)
{
	/* the Z85 alphabet (ZeroMQ RFC 32) */
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c && strchr(".-:+=^!/*?&<>()[]{}@%$#", c));
}

/* Trims leading and trailing blanks in place. */
static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
		s[--n] = '\0';
	return s;
}

static int parse_key(const char *path, int line, const char *name, const char *val, char *dst,
		     struct cjd_error *err)
{
	uint8_t raw[32];
	size_t n = strlen(val);

	if (dst[0])
		return cjd_error_set(err, -EINVAL, path, line, 0, "%s given twice", name);
	if (n != CJD_CURVE_Z85_LEN)
		return cjd_error_set(err, -EINVAL, path, line, 0,
				     "%s must be %d Z85 characters, not %zu", name,
				     CJD_CURVE_Z85_LEN, n);
	for (size_t i = 0; i < n; i++)
		if (!is_z85_char(val[i]))
			return cjd_error_set(err, -EINVAL, path, line, (int)i + 1,
					     "%s: '%c' is not a Z85 character", name, val[i]);
	if (!zmq_z85_decode(raw, val))
		return cjd_error_set(err, -EINVAL, path, line, 0, "%s is not valid Z85", name);
	memcpy(dst, val, CJD_CURVE_Z85_LEN + 1);
	return 0;
}

int cjd_curve_read(const char *path, bool need_secret, bool refuse_secret,
		   struct cjd_curve_keypair *out, struct cjd_error *err)
{
	struct cjd_curve_keypair kp = {0};
	struct stat st;
	char *buf = NULL;
	size_t cap = 0;
	int line = 0, rc = 0;
	FILE *f = fopen(path, "re");

	if (!f)
		return cjd_error_set(err, -errno, path, 0, 0, "cannot open key file: %s",
				     strerror(errno));
	while (getline(&buf, &cap, f) > 0) {
		char *s, *eq, *name, *val;

		line++;
		s = trim(buf);
		if (!*s || *s == '#')
			continue;
		eq = strchr(s, '=');
		if (!eq) {
			rc = cjd_error_set(err, -EINVAL, path, line, 0,
					   "expected 'public-key = ...' or 'secret-key = ...'");
			goto out_close;
		}
		*eq = '\0';
		name = trim(s);
		val = trim(eq + 1);
		if (strcmp(name, "public-key") == 0) {
			rc = parse_key(path, line, name, val, kp.public_z85, err);
		} else if (strcmp(name, "secret-key") == 0) {
			if (refuse_secret)
				rc = cjd_error_set(err, -EINVAL, path, line, 0,
						   "a secret key does not belong here; use the .pub file");
			else
				rc = parse_key(path, line, name, val, kp.secret_z85, err);
		} else {
			rc = cjd_error_set(err, -EINVAL, path, line, 1, "unknown name '%s'", name);
		}
		if (rc)
			goto out_close;
	}
	if (ferror(f)) {
		rc = cjd_error_set(err, -EIO, path, line, 0, "read error");
		goto out_close;
	}
	if (need_secret && !kp.secret_z85[0]) {
		rc = cjd_error_set(err, -EINVAL, path, 0, 0,
				   "no secret-key line (is this the .pub file? use the .key file)");
		goto out_close;
	}
	/* like ssh: a secret others can read is not a secret any more */
	if (kp.secret_z85[0] && fstat(fileno(f), &st) == 0 && (st.st_mode & 077)) {
		rc = cjd_error_set(err, -EPERM, path, 0, 0,
				   "secret key file is accessible by group or others (mode %03o); "
				   "chmod 600 it",
				   (unsigned)(st.st_mode & 0777));
		goto out_close;
	}
	if (!kp.public_z85[0] && !kp.secret_z85[0]) {
		rc = cjd_error_set(err, -EINVAL, path, 0, 0, "no public-key line");
		goto out_close;
	}
	if (kp.secret_z85[0]) {
		char derived[CJD_CURVE_Z85_LEN + 1];
		if (zmq_curve_public(derived, kp.secret_z85) != 0) {
			rc = cjd_error_set(err, -EINVAL, path, 0, 0, "secret-key is not usable");
			goto out_close;
		}
		if (kp.public_z85[0] && strcmp(derived, kp.public_z85) != 0) {
			rc = cjd_error_set(err, -EINVAL, path, 0, 0,
					   "public-key does not belong to secret-key");
			goto out_close;
		}
		memcpy(kp.public_z85, derived, sizeof(derived));
	}
	*out = kp;
out_close:
	explicit_bzero(&kp, sizeof(kp));
	if (buf)
		explicit_bzero(buf, cap);
	free(buf);
	fclose(f);
	return rc;
}
