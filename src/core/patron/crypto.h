/* Keys and the few cryptographic operations patron needs, all libsodium:
 * addresses encrypted at rest (XSalsa20-Poly1305), a keyed hash to find them
 * without decrypting (BLAKE2b), and random tokens.
 *
 * The key file holds one 32-byte master key; the encryption and look-up keys
 * are derived from it with crypto_kdf, so one file is all an operator backs
 * up. patron creates it with mode 0600 on first run. */
#ifndef PATRON_CRYPTO_H
#define PATRON_CRYPTO_H

#include <sodium.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "patron/status.h"

#define PT_CRYPTO_HASH_BYTES 32
#define PT_CRYPTO_TOKEN_CHARS 43 /* 32 random bytes, base64url without padding */
#define PT_CRYPTO_KEY_CHECK_BYTES 32

struct pt_crypto {
    unsigned char encryption_key[crypto_secretbox_KEYBYTES];
    unsigned char lookup_key[crypto_generichash_KEYBYTES];
    unsigned char signing_key[crypto_auth_KEYBYTES];
    /* Kept in the database to recognise the key file, never used to seal. */
    unsigned char key_check[PT_CRYPTO_KEY_CHECK_BYTES];
};

/* Reads the key file at path, creating it (mode 0600) if it does not exist.
 * Refuses a file that others can read, or of the wrong size. Whether a
 * missing file may be created is the caller's decision (a database that
 * already holds sealed data needs its own key back, not a new one): see
 * pt_crypto_key_file_exists. */
enum pt_status pt_crypto_load(struct pt_crypto *crypto, const char *path, char *error,
                              size_t error_size);

/* True when path exists (readable or not): the caller asks before
 * pt_crypto_load would create a new key. */
bool pt_crypto_key_file_exists(const char *path);

/* Lower-cases and trims an email address into out (at most 254 bytes + NUL);
 * PT_ERR_INVALID when it is not a plausible address. */
enum pt_status pt_crypto_normalise_email(const char *email, char out[255]);

/* The keyed hash of a normalised address, for look-ups and uniqueness. */
void pt_crypto_lookup_hash(const struct pt_crypto *crypto, const char *email,
                           unsigned char hash[PT_CRYPTO_HASH_BYTES]);

/* Encrypts text; *sealed (nonce then ciphertext) is malloc'd, free it. */
void pt_crypto_seal(const struct pt_crypto *crypto, const char *text, unsigned char **sealed,
                    size_t *sealed_length);
/* Decrypts into a malloc'd NUL-terminated string; PT_ERR_INVALID if forged. */
enum pt_status pt_crypto_open(const struct pt_crypto *crypto, const unsigned char *sealed,
                              size_t sealed_length, char **text);

/* A random token, base64url, NUL-terminated. */
void pt_crypto_token(char token[PT_CRYPTO_TOKEN_CHARS + 1]);

/* Signed, expiring link tokens (manage links, the editor's preview links):
 * an id in a field of id_room bytes (at most PT_CRYPTO_LINK_ID_MAX; padded
 * with NULs), the expiry, and 16 bytes of an HMAC-SHA256 with the signing key
 * over the label and both, in base64url. The label keeps one kind of link
 * from passing for another ("" for manage links, which came first). */
#define PT_CRYPTO_LINK_ID_MAX 64
#define PT_CRYPTO_LINK_TOKEN_MAX 128
void pt_crypto_link_token(const struct pt_crypto *crypto, const char *label, const char *id,
                          size_t id_room, int64_t expires_at, char token[PT_CRYPTO_LINK_TOKEN_MAX]);
/* PT_OK when token is such a link with the same label and id_room, unchanged
 * and not expired at now; the id is copied to id (id_room + 1 bytes, always
 * NUL-terminated). PT_ERR_INVALID otherwise. */
enum pt_status pt_crypto_check_link_token(const struct pt_crypto *crypto, const char *label,
                                          const char *token, size_t id_room, int64_t now, char *id);

/* HMAC-SHA256 with the signing key over label (with its NUL) and text: how
 * a secret the reader holds (a manage code) is stored, so that the database
 * alone cannot give it back or check a guess. */
void pt_crypto_keyed_hash(const struct pt_crypto *crypto, const char *label, const char *text,
                          unsigned char hash[PT_CRYPTO_HASH_BYTES]);

#endif
