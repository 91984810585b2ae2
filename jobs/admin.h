/* admin.h — the leadgate-admin commands that live outside admin.c. */
#ifndef LEADGATE_ADMIN_H
#define LEADGATE_ADMIN_H

/* verify-bundle FILE [PREVIOUS]: the bundle strictly, and its link to the
 * entry before it (PREVIOUS's last, the store's log, or seq 1's zero). */
int admin_verify_bundle(const char *path, const char *previous);
/* bundle-item EPOCH OUT: the data item carrying EPOCH's bundle, for a
 * bundler service. */
int admin_bundle_item(const char *epoch_text, const char *out);

#endif
