/* The one status type every fallible patron function returns. */
#ifndef PATRON_STATUS_H
#define PATRON_STATUS_H

enum pt_status {
    PT_OK = 0,
    PT_ERR_INVALID,   /* input broke a rule; the message says which */
    PT_ERR_NOT_FOUND, /* the thing asked for does not exist */
    PT_ERR_CONFLICT,  /* already there, or changed under us */
    PT_ERR_TOO_LARGE, /* over a configured limit */
    PT_ERR_IO,        /* file, socket or database failure */
    PT_ERR_INTERNAL,  /* a bug or an impossible state */
};

/* A short, stable name for logs: "ok", "invalid", ... Never NULL. */
const char *pt_status_name(enum pt_status status);

#endif
