#include "patron/crypto.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "patron/alloc.h"

enum { MASTER_KEY_BYTES = crypto_kdf_KEYBYTES };

static const char kdf_context[crypto_kdf_CONTEXTBYTES] = {'p', 'a', 't', 'r', 'o', 'n', 'k', '1'};

static enum pt_status create_key_file(const char *path, unsigned char master[MASTER_KEY_BYTES],
                                      char *error, size_t error_size)
{
    crypto_kdf_keygen(master);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0) {
        snprintf(error, error_size, "cannot create the key file %s: %s", path, strerror(errno));
        return PT_ERR_IO;
    }
    ssize_t written = write(fd, master, MASTER_KEY_BYTES);
    int synced = fsync(fd);
    close(fd);
    if (written != MASTER_KEY_BYTES || synced != 0) {
        unlink(path);
        snprintf(error, error_size, "cannot write the key file %s", path);
        return PT_ERR_IO;
    }
    return PT_OK;
}

enum pt_status pt_crypto_load(struct pt_crypto *crypto, const char *path, char *error,
                              size_t error_size)
{
    unsigned char master[MASTER_KEY_BYTES];
    enum pt_status status = PT_OK;
    int fd = open(path, O_RDONLY);
    if (fd < 0 && errno == ENOENT) {
        status = create_key_file(path, master, error, error_size);
        if (status)
            return status;
    } else if (fd < 0) {
        snprintf(error, error_size, "cannot open the key file %s: %s", path, strerror(errno));
        return PT_ERR_IO;
    } else {
        struct stat info;
        ssize_t got = -1;
        if (fstat(fd, &info) == 0 && (info.st_mode & 077) != 0) {
            snprintf(error, error_size,
                     "the key file %s can be read by others: chmod 600 it (it protects donors' "
                     "addresses)",
                     path);
            status = PT_ERR_INVALID;
        } else {
            /* One byte more than the key, to notice a file that is too long. */
            unsigned char contents[MASTER_KEY_BYTES + 1];
            got = read(fd, contents, sizeof(contents));
            memcpy(master, contents, MASTER_KEY_BYTES);
            sodium_memzero(contents, sizeof(contents));
            if (got != MASTER_KEY_BYTES) {
                snprintf(error, error_size, "the key file %s is not %d bytes", path,
                         MASTER_KEY_BYTES);
                status = PT_ERR_INVALID;
            }
        }
        close(fd);
        if (status)
            return status;
    }
    crypto_kdf_derive_from_key(crypto->encryption_key, sizeof(crypto->encryption_key), 1,
                               kdf_context, master);
    crypto_kdf_derive_from_key(crypto->lookup_key, sizeof(crypto->lookup_key), 2, kdf_context,
                               master);
    crypto_kdf_derive_from_key(crypto->signing_key, sizeof(crypto->signing_key), 3, kdf_context,
                               master);
    crypto_kdf_derive_from_key(crypto->key_check, sizeof(crypto->key_check), 4, kdf_context,
                               master);
    sodium_memzero(master, sizeof(master));
    return PT_OK;
}

bool pt_crypto_key_file_exists(const char *path)
{
    struct stat info;
    return stat(path, &info) == 0 || errno != ENOENT;
}

enum pt_status pt_crypto_normalise_email(const char *email, char out[255])
{
    while (*email == ' ' || *email == '\t')
        email++;
    size_t length = strlen(email);
    while (length > 0 && (email[length - 1] == ' ' || email[length - 1] == '\t'))
        length--;
    if (length < 3 || length > 254)
        return PT_ERR_INVALID;
    const char *at = NULL;
    for (size_t i = 0; i < length; i++) {
        unsigned char c = (unsigned char)email[i];
        /* Printable ASCII without spaces, quotes, brackets or commas: enough
         * for real addresses, and nothing that could bend a mail header. */
        if (c <= 0x20 || c >= 0x7f || strchr("\"(),:;<>[\\]", c) != NULL)
            return PT_ERR_INVALID;
        if (c == '@') {
            if (at != NULL)
                return PT_ERR_INVALID;
            at = email + i;
        }
        out[i] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    }
    out[length] = '\0';
    if (at == NULL || at == email || at == email + length - 1)
        return PT_ERR_INVALID;
    const char *domain = out + (at - email) + 1;
    const char *dot = strrchr(domain, '.');
    if (dot == NULL || dot == domain || dot[1] == '\0' || strstr(domain, "..") != NULL)
        return PT_ERR_INVALID;
    return PT_OK;
}

void pt_crypto_lookup_hash(const struct pt_crypto *crypto, const char *email,
                           unsigned char hash[PT_CRYPTO_HASH_BYTES])
{
    crypto_generichash(hash, PT_CRYPTO_HASH_BYTES, (const unsigned char *)email, strlen(email),
                       crypto->lookup_key, sizeof(crypto->lookup_key));
}

void pt_crypto_seal(const struct pt_crypto *crypto, const char *text, unsigned char **sealed,
                    size_t *sealed_length)
{
    size_t length = strlen(text);
    *sealed_length = crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + length;
    *sealed = pt_xmalloc(*sealed_length);
    randombytes_buf(*sealed, crypto_secretbox_NONCEBYTES);
    crypto_secretbox_easy(*sealed + crypto_secretbox_NONCEBYTES, (const unsigned char *)text,
                          length, *sealed, crypto->encryption_key);
}

enum pt_status pt_crypto_open(const struct pt_crypto *crypto, const unsigned char *sealed,
                              size_t sealed_length, char **text)
{
    if (sealed_length < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES)
        return PT_ERR_INVALID;
    size_t length = sealed_length - crypto_secretbox_NONCEBYTES - crypto_secretbox_MACBYTES;
    char *plain = pt_xmalloc(length + 1);
    if (crypto_secretbox_open_easy((unsigned char *)plain, sealed + crypto_secretbox_NONCEBYTES,
                                   sealed_length - crypto_secretbox_NONCEBYTES, sealed,
                                   crypto->encryption_key) != 0) {
        free(plain);
        return PT_ERR_INVALID;
    }
    plain[length] = '\0';
    *text = plain;
    return PT_OK;
}

void pt_crypto_token(char token[PT_CRYPTO_TOKEN_CHARS + 1])
{
    unsigned char random[32];
    randombytes_buf(random, sizeof(random));
    sodium_bin2base64(token, PT_CRYPTO_TOKEN_CHARS + 1, random, sizeof(random),
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

/* ------------------------------------------------------------ link tokens */

enum { LINK_MAC_BYTES = 16, LINK_RAW_MAX = PT_CRYPTO_LINK_ID_MAX + 8 + LINK_MAC_BYTES };

static void link_mac(const struct pt_crypto *crypto, const char *label,
                     const unsigned char *message, size_t length, unsigned char mac[LINK_MAC_BYTES])
{
    unsigned char full[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_state state;
    crypto_auth_hmacsha256_init(&state, crypto->signing_key, sizeof(crypto->signing_key));
    /* The label with its NUL, so that no label is the start of another. */
    if (label[0] != '\0')
        crypto_auth_hmacsha256_update(&state, (const unsigned char *)label, strlen(label) + 1);
    crypto_auth_hmacsha256_update(&state, message, length);
    crypto_auth_hmacsha256_final(&state, full);
    memcpy(mac, full, LINK_MAC_BYTES);
}

void pt_crypto_link_token(const struct pt_crypto *crypto, const char *label, const char *id,
                          size_t id_room, int64_t expires_at, char token[PT_CRYPTO_LINK_TOKEN_MAX])
{
    assert(id_room <= PT_CRYPTO_LINK_ID_MAX);
    unsigned char raw[LINK_RAW_MAX];
    memset(raw, 0, sizeof(raw));
    memcpy(raw, id, strnlen(id, id_room));
    for (int i = 0; i < 8; i++)
        raw[id_room + (size_t)i] = (unsigned char)((uint64_t)expires_at >> (56 - 8 * i));
    link_mac(crypto, label, raw, id_room + 8, raw + id_room + 8);
    sodium_bin2base64(token, PT_CRYPTO_LINK_TOKEN_MAX, raw, id_room + 8 + LINK_MAC_BYTES,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

enum pt_status pt_crypto_check_link_token(const struct pt_crypto *crypto, const char *label,
                                          const char *token, size_t id_room, int64_t now, char *id)
{
    assert(id_room <= PT_CRYPTO_LINK_ID_MAX);
    unsigned char raw[LINK_RAW_MAX + 1];
    size_t length = 0;
    if (token == NULL ||
        sodium_base642bin(raw, sizeof(raw), token, strlen(token), NULL, &length, NULL,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
        length != id_room + 8 + LINK_MAC_BYTES)
        return PT_ERR_INVALID;
    unsigned char mac[LINK_MAC_BYTES];
    link_mac(crypto, label, raw, id_room + 8, mac);
    if (sodium_memcmp(mac, raw + id_room + 8, LINK_MAC_BYTES) != 0)
        return PT_ERR_INVALID;
    uint64_t expires = 0;
    for (size_t i = 0; i < 8; i++)
        expires = (expires << 8) | raw[id_room + i];
    if ((int64_t)expires < now)
        return PT_ERR_INVALID;
    memcpy(id, raw, id_room);
    id[id_room] = '\0';
    return PT_OK;
}

void pt_crypto_keyed_hash(const struct pt_crypto *crypto, const char *label, const char *text,
                          unsigned char hash[PT_CRYPTO_HASH_BYTES])
{
    crypto_auth_hmacsha256_state state;
    crypto_auth_hmacsha256_init(&state, crypto->signing_key, sizeof(crypto->signing_key));
    /* The label with its NUL, as for link tokens: no label is the start of
     * another, and none is a link's (whose labels name links). */
    crypto_auth_hmacsha256_update(&state, (const unsigned char *)label, strlen(label) + 1);
    crypto_auth_hmacsha256_update(&state, (const unsigned char *)text, strlen(text));
    crypto_auth_hmacsha256_final(&state, hash);
    sodium_memzero(&state, sizeof(state));
}
