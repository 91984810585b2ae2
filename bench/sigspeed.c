/*
 * sigspeed — signature verifications per second, ed25519 (libsodium) next to
 * sr25519 (store/sr25519.c), in one process and one run:
 *   sigspeed [SECONDS_PER_RUN [ROUNDS]]
 * Each round verifies a typical RFC 9421 signature base for SECONDS with
 * each algorithm in turn; the median of the rounds is printed, with the
 * ratio, and signing speeds for reference.  A figure, never a test.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sodium.h>
#include "leadstore.h"

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static const char base[] =
	"\"@method\": GET\n\"@path\": /v1/epoch/20/leads\n\"@query\": ?\n"
	"\"@signature-params\": (\"@method\" \"@path\" \"@query\");created=1795370217;"
	"nonce=\"7b0b9e7e0dff097505ad3eaae4f4d1d3\";"
	"keyid=\"5DcjVUSFQsUSFDCMFNSFYRwBYgya7BEcoA47F5pkphi8NXnu\";alg=\"sr25519\"";

/* Operations per second of verify (sign == false) or sign for `seconds`. */
static double rate(const struct ls_keypair *kp, bool sign, double seconds)
{
	uint8_t sig[64];
	size_t n = 0;
	ls_keypair_sign(kp, (const uint8_t *)base, sizeof base - 1, sig);
	double t0 = now(), t;
	do {
		for (int i = 0; i < 64; i++, n++) {
			if (sign)
				ls_keypair_sign(kp, (const uint8_t *)base, sizeof base - 1, sig);
			else if (!ls_signature_verify(kp->alg, sig, (const uint8_t *)base, sizeof base - 1,
			                              kp->pk)) {
				fprintf(stderr, "sigspeed: a %s signature did not verify\n",
				        ls_key_alg_name(kp->alg));
				exit(EXIT_FAILURE);
			}
		}
		t = now();
	} while (t - t0 < seconds);
	return (double)n / (t - t0);
}

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double median(double *v, size_t n)
{
	qsort(v, n, sizeof *v, by_value);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int main(int argc, char **argv)
{
	enum { MAX_ROUNDS = 15 };
	double seconds = argc > 1 ? atof(argv[1]) : 1.0;
	int rounds = argc > 2 ? atoi(argv[2]) : 5;
	double v[2][MAX_ROUNDS], s[2][MAX_ROUNDS];
	struct ls_keypair kp[2];
	uint8_t seed[32];
	if (sodium_init() < 0 || seconds <= 0 || rounds < 1 || rounds > MAX_ROUNDS) {
		fprintf(stderr, "usage: sigspeed [SECONDS_PER_RUN [ROUNDS (1..15)]]\n");
		return EXIT_FAILURE;
	}
	randombytes_buf(seed, sizeof seed);
	ls_keypair_from_seed(LS_KEY_ED25519, seed, &kp[0]);
	ls_keypair_from_seed(LS_KEY_SR25519, seed, &kp[1]);
	for (int r = 0; r < rounds; r++)
		for (int a = 0; a < 2; a++) {
			v[a][r] = rate(&kp[a], false, seconds);
			s[a][r] = rate(&kp[a], true, seconds / 4);
		}
	double ed = median(v[0], (size_t)rounds), sr = median(v[1], (size_t)rounds);
	printf("ed25519 verify/s %.0f sign/s %.0f\n", ed, median(s[0], (size_t)rounds));
	printf("sr25519 verify/s %.0f sign/s %.0f\n", sr, median(s[1], (size_t)rounds));
	printf("an sr25519 verification takes %.2fx the time of an ed25519 one\n", ed / sr);
	return EXIT_SUCCESS;
}
