/* admin.h — the leadgate-admin commands that live outside admin.c. */
#ifndef LEADGATE_ADMIN_H
#define LEADGATE_ADMIN_H

/* verify-bundle [--signer ADDRESS] FILE [PREVIOUS]: the bundle strictly,
 * its signer (ADDRESS or the configured gateway key) and its link to the
 * entry before it (PREVIOUS's last, the store's log, or seq 1's zero).
 * Exit 0 valid, 1 invalid, ADMIN_EXIT_UNCHECKED valid as far as it could
 * check but the signer or the link was not checked. */
#define ADMIN_EXIT_UNCHECKED 3
int admin_verify_bundle(const char *signer, const char *path, const char *previous);
/* bundle-item EPOCH OUT: the data item carrying EPOCH's bundle, for a
 * bundler service. */
int admin_bundle_item(const char *epoch_text, const char *out);

/* verify-proof [--root HEX] FILE: a proof from GET
 * /v1/log/entries/{hash}/proof, offline ("-": stdin). */
int admin_verify_proof(const char *root_hex, const char *path);

/* uploads | uploads retry EPOCH (admin_uploads.c); argv after "uploads". */
int admin_uploads(int argc, char **argv);

/* ban HOTKEY [--until T] [--reason R] | unban HOTKEY | bans
 * (admin_bans.c); cmd is the command, argv what follows it. */
int admin_bans(const char *cmd, int argc, char **argv);

/* challenges load FILE | list (admin_challenges.c); argv after
 * "challenges". */
int admin_challenges(int argc, char **argv);

/* clients add NAME | list | revoke NAME (admin_clients.c); argv after
 * "clients". */
int admin_clients(int argc, char **argv);

#endif
