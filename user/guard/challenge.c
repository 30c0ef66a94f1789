// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Challenge tokens, clearance cookies and the spent set; see challenge.h. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "guard/challenge.h"
#include "lib/addr.h"
#include "lib/b64url.h"
#include "lib/errbuf.h"

#define CHAL_VERSION	1
#define KEY_LABEL	"aegis-challenge-v1"
#define SPENT_PROBES	16

/* Token: version, issued (be64), difficulty, salt, MAC. */
enum { TK_VER = 0, TK_ISSUED = 1, TK_DIFF = 9, TK_SALT = 10,
       TK_MAC = TK_SALT + AEGIS_CHAL_SALT_LEN, TK_LEN = TK_MAC + AEGIS_CHAL_MAC_LEN };
/* Cookie: version, issued (be64), ttl (be32), difficulty, binding, MAC. */
enum { CK_VER = 0, CK_ISSUED = 1, CK_TTL = 9, CK_DIFF = 13, CK_BIND = 14, CK_MAC = 15,
       CK_LEN = CK_MAC + AEGIS_CHAL_MAC_LEN };
_Static_assert(B64URL_LEN(TK_LEN) == AEGIS_CHAL_TOKEN_CHARS, "token length");
_Static_assert(B64URL_LEN(CK_LEN) == AEGIS_CHAL_COOKIE_CHARS, "cookie length");

/* MAC domains: a MAC of one kind never verifies as another. */
enum { DOM_TOKEN = 'T', DOM_NOJS = 'N', DOM_COOKIE = 'C' };

struct spent_slot {
	uint8_t mac[AEGIS_CHAL_MAC_LEN];
	uint64_t until_s;		/* 0: free */
};

struct challenge {
	struct challenge_params p;
	uint8_t secret[AEGIS_CHAL_SECRET_LEN];
	pthread_mutex_t lock;		/* the spent set */
	struct spent_slot *spent;
	uint32_t mask;
	uint64_t used;
};

static const char *const result_names[AEGIS_CHAL__COUNT] = {
#define AEGIS_CHAL_RESULT_NAME(e, n) [AEGIS_CHAL_##e] = n,
	AEGIS_CHAL_RESULTS(AEGIS_CHAL_RESULT_NAME)
#undef AEGIS_CHAL_RESULT_NAME
};

const char *challenge_result_name(enum aegis_chal_result r)
{
	return (unsigned)r < AEGIS_CHAL__COUNT ? result_names[r] : "unknown";
}

static void put_be(uint8_t *p, uint64_t v, int n)
{
	for (int i = n - 1; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

static uint64_t get_be(const uint8_t *p, int n)
{
	uint64_t v = 0;

	for (int i = 0; i < n; i++)
		v = (v << 8) | p[i];
	return v;
}

/* ---- the secret ---- */

static int secret_create(const char *path, uint8_t out[AEGIS_CHAL_SECRET_LEN], char *err,
			 size_t errlen)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	int ret = 0;

	if (fd < 0)
		return -errno;	/* EEXIST: another process won the race; read its file */
	if (RAND_bytes(out, AEGIS_CHAL_SECRET_LEN) != 1) {
		ret = -EIO;
		errbuf_set(err, errlen, "%s: no randomness for a new secret", path);
	} else if (write(fd, out, AEGIS_CHAL_SECRET_LEN) != AEGIS_CHAL_SECRET_LEN || fsync(fd)) {
		ret = -errno ? -errno : -EIO;
		errbuf_set(err, errlen, "%s: cannot write a new secret: %s", path, strerror(-ret));
	}
	close(fd);
	if (ret)
		unlink(path);
	return ret;
}

int challenge_secret_load(const char *path, uint8_t out[AEGIS_CHAL_SECRET_LEN], char *err,
			  size_t errlen)
{
	uint8_t buf[AEGIS_CHAL_SECRET_LEN + 1];	/* one more: a longer file is refused */
	struct stat st;
	int fd, ret = 0;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT) {
		ret = secret_create(path, out, err, errlen);
		if (ret != -EEXIST) {
			if (ret && !err[0])
				errbuf_set(err, errlen, "%s: cannot create: %s", path, strerror(-ret));
			return ret;
		}
		fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	}
	if (fd < 0) {
		ret = -errno;
		errbuf_set(err, errlen, "%s: %s", path, strerror(errno));
		return ret;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		ret = -EINVAL;
		errbuf_set(err, errlen, "%s: not a regular file", path);
	} else if (st.st_mode & 077) {
		ret = -EPERM;
		errbuf_set(err, errlen, "%s: readable by others (mode %03o): chmod 600 it", path,
			   (unsigned)(st.st_mode & 0777));
	} else if (read(fd, buf, sizeof(buf)) != AEGIS_CHAL_SECRET_LEN) {
		ret = -EINVAL;
		errbuf_set(err, errlen, "%s: must hold exactly %d bytes (head -c %d /dev/urandom)",
			   path, AEGIS_CHAL_SECRET_LEN, AEGIS_CHAL_SECRET_LEN);
	} else {
		memcpy(out, buf, AEGIS_CHAL_SECRET_LEN);
	}
	OPENSSL_cleanse(buf, sizeof(buf));
	close(fd);
	return ret;
}

/* ---- life cycle ---- */

int challenge_new(const struct challenge_params *p, const uint8_t secret[AEGIS_CHAL_SECRET_LEN],
		  struct challenge **out, char *err, size_t errlen)
{
	struct challenge *ch;
	uint32_t cap = AEGIS_CHAL_MIN_SPENT;

	*out = NULL;
	if (!p->rotation_s || !p->solve_s || p->solve_s > p->rotation_s ||
	    p->spent_capacity > AEGIS_CHAL_MAX_SPENT) {
		errbuf_set(err, errlen, "challenge: solve time must be 1 s to the key rotation, "
			   "the spent set at most %u", AEGIS_CHAL_MAX_SPENT);
		return -EINVAL;
	}
	while (cap < p->spent_capacity)
		cap <<= 1;
	ch = calloc(1, sizeof(*ch));
	if (!ch || !(ch->spent = calloc(cap, sizeof(*ch->spent)))) {
		free(ch);
		errbuf_set(err, errlen, "challenge: out of memory for %u spent tokens", cap);
		return -ENOMEM;
	}
	ch->p = *p;
	ch->mask = cap - 1;
	memcpy(ch->secret, secret, AEGIS_CHAL_SECRET_LEN);
	pthread_mutex_init(&ch->lock, NULL);
	*out = ch;
	return 0;
}

void challenge_free(struct challenge *ch)
{
	if (!ch)
		return;
	pthread_mutex_destroy(&ch->lock);
	OPENSSL_cleanse(ch->secret, sizeof(ch->secret));
	free(ch->spent);
	free(ch);
}

void challenge_stats(struct challenge *ch, struct challenge_stats *out)
{
	pthread_mutex_lock(&ch->lock);
	out->spent_used = ch->used;
	pthread_mutex_unlock(&ch->lock);
	out->spent_capacity = (uint64_t)ch->mask + 1;
}

/* ---- MACs ---- */

static uint64_t epoch_of(const struct challenge *ch, uint64_t t_s)
{
	return t_s / ch->p.rotation_s;
}

/* The address as bound: exact, or its /24 (IPv4) or /64 (IPv6). */
static void bound_addr(const struct challenge *ch, const struct aegis_addr *a, uint8_t out[16])
{
	memcpy(out, a, 16);
	if (ch->p.binding != AEGIS_CHAL_BIND_PREFIX)
		return;
	if (addr_is_v4(a))
		out[15] = 0;
	else
		memset(out + 8, 0, 8);
}

/* HMAC(epoch key of issued_s, domain || payload || binding), truncated. */
static int mac_of(const struct challenge *ch, char domain, const uint8_t *payload, size_t n,
		  const struct challenge_client *cl, uint64_t issued_s,
		  uint8_t mac[AEGIS_CHAL_MAC_LEN])
{
	uint8_t label[sizeof(KEY_LABEL) - 1 + 8], key[EVP_MAX_MD_SIZE], md[EVP_MAX_MD_SIZE];
	uint8_t msg[1 + 32 + 16 + 32];
	unsigned int klen = 0, mlen = 0, dlen = 0;
	size_t k = 0;
	int ret = -EIO;

	memcpy(label, KEY_LABEL, sizeof(KEY_LABEL) - 1);
	put_be(label + sizeof(KEY_LABEL) - 1, epoch_of(ch, issued_s), 8);
	if (n > 32 || !HMAC(EVP_sha256(), ch->secret, AEGIS_CHAL_SECRET_LEN, label, sizeof(label),
			    key, &klen))
		goto out;
	msg[k++] = (uint8_t)domain;
	memcpy(msg + k, payload, n);
	k += n;
	bound_addr(ch, cl->addr, msg + k);
	k += 16;
	if (ch->p.binding == AEGIS_CHAL_BIND_PREFIX) {
		if (!EVP_Digest(cl->ua ? cl->ua : "", cl->ua ? cl->ua_len : 0, msg + k, &dlen,
				EVP_sha256(), NULL))
			goto out;
		k += dlen;
	}
	if (!HMAC(EVP_sha256(), key, klen, msg, k, md, &mlen) || mlen < AEGIS_CHAL_MAC_LEN)
		goto out;
	memcpy(mac, md, AEGIS_CHAL_MAC_LEN);
	ret = 0;
out:
	OPENSSL_cleanse(key, sizeof(key));
	return ret;
}

/* The shared checks of a signed blob's issue time. */
static enum aegis_chal_result check_time(const struct challenge *ch, uint64_t issued_s,
					 uint64_t life_s, uint64_t now_s)
{
	if (issued_s > now_s + AEGIS_CHAL_CLOCK_SKEW_S)
		return AEGIS_CHAL_EARLY;
	if (epoch_of(ch, issued_s) + 1 < epoch_of(ch, now_s))
		return AEGIS_CHAL_RETIRED;
	if (now_s >= issued_s + life_s)
		return AEGIS_CHAL_EXPIRED;
	return AEGIS_CHAL_OK;
}

static enum aegis_chal_result check_mac(const struct challenge *ch, char domain,
					const uint8_t *blob, size_t mac_at,
					const struct challenge_client *cl, uint64_t issued_s)
{
	uint8_t mac[AEGIS_CHAL_MAC_LEN];

	if (mac_of(ch, domain, blob, mac_at, cl, issued_s, mac))
		return AEGIS_CHAL_BUSY;		/* our failure: never a pass */
	return CRYPTO_memcmp(mac, blob + mac_at, AEGIS_CHAL_MAC_LEN) ? AEGIS_CHAL_FORGED
								     : AEGIS_CHAL_OK;
}

/* ---- tokens ---- */

int challenge_issue(const struct challenge *ch, const struct challenge_client *cl,
		    unsigned difficulty, bool nojs, uint64_t now_ms,
		    char out[AEGIS_CHAL_TOKEN_CHARS + 1])
{
	uint8_t t[TK_LEN];

	t[TK_VER] = CHAL_VERSION;
	put_be(t + TK_ISSUED, now_ms, 8);
	t[TK_DIFF] = (uint8_t)(nojs ? 0 : difficulty);
	if (RAND_bytes(t + TK_SALT, AEGIS_CHAL_SALT_LEN) != 1 ||
	    mac_of(ch, nojs ? DOM_NOJS : DOM_TOKEN, t, TK_MAC, cl, now_ms / 1000, t + TK_MAC))
		return -EIO;
	return b64url_encode(t, sizeof(t), out, AEGIS_CHAL_TOKEN_CHARS + 1) ? -EIO : 0;
}

bool challenge_pow_ok(const char *token, size_t token_len, const char *nonce, size_t nonce_len,
		      unsigned bits)
{
	uint8_t msg[AEGIS_CHAL_TOKEN_CHARS + 1 + AEGIS_CHAL_NONCE_MAX], md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	if (token_len != AEGIS_CHAL_TOKEN_CHARS || !nonce_len || nonce_len > AEGIS_CHAL_NONCE_MAX ||
	    bits > 256)
		return false;
	memcpy(msg, token, token_len);
	msg[token_len] = ':';
	memcpy(msg + token_len + 1, nonce, nonce_len);
	if (!EVP_Digest(msg, token_len + 1 + nonce_len, md, &n, EVP_sha256(), NULL))
		return false;
	for (unsigned i = 0; i < bits / 8; i++)
		if (md[i])
			return false;
	return !(bits % 8) || !(md[bits / 8] >> (8 - bits % 8));
}

static bool digits_only(const char *s, size_t n)
{
	if (!n || n > AEGIS_CHAL_NONCE_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/* Remembers mac until until_s: OK, REPLAY (already there) or BUSY. */
static enum aegis_chal_result spend(struct challenge *ch, const uint8_t *mac, uint64_t until_s,
				    uint64_t now_s)
{
	uint32_t h = (uint32_t)get_be(mac, 4);
	struct spent_slot *take = NULL;
	enum aegis_chal_result r = AEGIS_CHAL_BUSY;

	pthread_mutex_lock(&ch->lock);
	/* All probes are read: a free slot may sit before the entry itself. */
	for (uint32_t i = 0; i < SPENT_PROBES; i++) {
		struct spent_slot *s = &ch->spent[(h + i) & ch->mask];
		bool live = s->until_s > now_s;

		if (live && !memcmp(s->mac, mac, AEGIS_CHAL_MAC_LEN)) {
			r = AEGIS_CHAL_REPLAY;
			goto out;
		}
		if (!s->until_s || (!live && s->until_s)) {
			if (s->until_s)	/* expired: its slot is reused */
				ch->used--;
			s->until_s = 0;
			take = take ? take : s;
		}
	}
	if (take) {
		memcpy(take->mac, mac, AEGIS_CHAL_MAC_LEN);
		take->until_s = until_s;
		ch->used++;
		r = AEGIS_CHAL_OK;
	}
out:
	pthread_mutex_unlock(&ch->lock);
	return r;
}

enum aegis_chal_result challenge_verify(struct challenge *ch, const struct challenge_client *cl,
					const char *token, size_t token_len, const char *nonce,
					size_t nonce_len, uint32_t nojs_wait_s, uint64_t now_ms,
					unsigned *difficulty, uint64_t *issued_ms)
{
	uint64_t issued_s, issued, now_s = now_ms / 1000;
	uint8_t t[TK_LEN];
	enum aegis_chal_result r;
	bool nojs = !nonce;

	if (token_len != AEGIS_CHAL_TOKEN_CHARS ||
	    b64url_decode(token, token_len, t, sizeof(t)) != TK_LEN || t[TK_VER] != CHAL_VERSION)
		return AEGIS_CHAL_MALFORMED;
	if (nojs ? t[TK_DIFF] != 0 : (t[TK_DIFF] < AEGIS_CHAL_MIN_DIFFICULTY ||
				      t[TK_DIFF] > AEGIS_CHAL_MAX_DIFFICULTY ||
				      !digits_only(nonce, nonce_len)))
		return AEGIS_CHAL_MALFORMED;
	issued = get_be(t + TK_ISSUED, 8);
	issued_s = issued / 1000;
	if ((r = check_time(ch, issued_s, ch->p.solve_s, now_s)))
		return r;
	if ((r = check_mac(ch, nojs ? DOM_NOJS : DOM_TOKEN, t, TK_MAC, cl, issued_s)))
		return r;
	if (nojs ? now_ms < issued + (uint64_t)nojs_wait_s * 1000
		 : !challenge_pow_ok(token, token_len, nonce, nonce_len, t[TK_DIFF]))
		return nojs ? AEGIS_CHAL_EARLY : AEGIS_CHAL_WEAK;
	if ((r = spend(ch, t + TK_MAC, issued_s + ch->p.solve_s + 1, now_s)))
		return r;
	*difficulty = t[TK_DIFF];
	*issued_ms = issued;
	return AEGIS_CHAL_OK;
}

/* ---- cookies ---- */

int challenge_cookie_mint(const struct challenge *ch, const struct challenge_client *cl,
			  unsigned difficulty, uint32_t ttl_s, uint64_t now_s,
			  char out[AEGIS_CHAL_COOKIE_CHARS + 1])
{
	uint8_t k[CK_LEN];

	if (!ttl_s || ttl_s > ch->p.rotation_s || difficulty > AEGIS_CHAL_MAX_DIFFICULTY)
		return -EINVAL;
	k[CK_VER] = CHAL_VERSION;
	put_be(k + CK_ISSUED, now_s, 8);
	put_be(k + CK_TTL, ttl_s, 4);
	k[CK_DIFF] = (uint8_t)difficulty;
	k[CK_BIND] = (uint8_t)ch->p.binding;
	if (mac_of(ch, DOM_COOKIE, k, CK_MAC, cl, now_s, k + CK_MAC))
		return -EIO;
	return b64url_encode(k, sizeof(k), out, AEGIS_CHAL_COOKIE_CHARS + 1) ? -EIO : 0;
}

enum aegis_chal_result challenge_cookie_check(const struct challenge *ch,
					      const struct challenge_client *cl, const char *val,
					      size_t len, uint64_t now_s, unsigned *difficulty)
{
	uint8_t k[CK_LEN];
	enum aegis_chal_result r;
	uint64_t issued, ttl;

	if (len != AEGIS_CHAL_COOKIE_CHARS || b64url_decode(val, len, k, sizeof(k)) != CK_LEN ||
	    k[CK_VER] != CHAL_VERSION || k[CK_DIFF] > AEGIS_CHAL_MAX_DIFFICULTY)
		return AEGIS_CHAL_MALFORMED;
	if (k[CK_BIND] != (uint8_t)ch->p.binding)
		return AEGIS_CHAL_FORGED;	/* bound another way: the binding changed */
	issued = get_be(k + CK_ISSUED, 8);
	ttl = get_be(k + CK_TTL, 4);
	if ((r = check_time(ch, issued, ttl, now_s)))
		return r;
	if ((r = check_mac(ch, DOM_COOKIE, k, CK_MAC, cl, issued)))
		return r;
	*difficulty = k[CK_DIFF];
	return AEGIS_CHAL_OK;
}

static bool is_ows(char c)
{
	return c == ' ' || c == '\t';
}

bool challenge_cookie_find(const char *hdr, size_t hdr_len, const char *name, const char **val,
			   size_t *len)
{
	size_t nlen = strlen(name), i = 0;

	while (i < hdr_len) {
		size_t end = i, eq;

		while (end < hdr_len && hdr[end] != ';')
			end++;
		while (i < end && is_ows(hdr[i]))
			i++;
		size_t name_end;

		for (eq = i; eq < end && hdr[eq] != '='; eq++)
			;
		for (name_end = eq; name_end > i && is_ows(hdr[name_end - 1]); name_end--)
			;
		if (eq < end && name_end - i == nlen && !memcmp(hdr + i, name, nlen)) {
			size_t a = eq + 1, b = end;

			while (a < b && is_ows(hdr[a]))
				a++;
			while (b > a && is_ows(hdr[b - 1]))
				b--;
			if (b - a >= 2 && hdr[a] == '"' && hdr[b - 1] == '"')
				a++, b--;
			*val = hdr + a;
			*len = b - a;
			return true;
		}
		i = end + 1;
	}
	return false;
}
