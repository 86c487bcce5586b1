#include "patron/webapi.h"

#include <curl/curl.h>
#include <stdio.h>
#include <string.h>

static size_t collect(char *data, size_t size, size_t count, void *context)
{
    pt_buf_append(context, data, size * count);
    return size * count;
}

enum pt_status pt_webapi_call(const struct pt_webapi_request *request, const char *who,
                              long *http_status, struct pt_buf *answer, char *error,
                              size_t error_size)
{
    *http_status = 0;
    CURL *curl = curl_easy_init();
    if (curl == NULL) {
        snprintf(error, error_size, "libcurl could not start");
        return PT_ERR_IO;
    }
    struct curl_slist *headers = NULL;
    for (size_t i = 0; request->headers != NULL && request->headers[i] != NULL; i++)
        headers = curl_slist_append(headers, request->headers[i]);
    curl_easy_setopt(curl, CURLOPT_URL, request->url);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, answer);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, request->timeout_ms > 0 ? request->timeout_ms : 1L);
    /* Signals do not mix with worker threads; time-outs still hold. */
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    if (strcmp(request->method, "GET") != 0) {
        if (strcmp(request->method, "POST") != 0)
            curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request->method);
        if (request->body != NULL || strcmp(request->method, "POST") == 0) {
            curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request->body ? request->body : "");
            curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long)request->body_length);
        }
    }
    CURLcode code = curl_easy_perform(curl);
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, http_status);
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    if (code != CURLE_OK) {
        snprintf(error, error_size, "%s could not be reached: %s", who, curl_easy_strerror(code));
        return PT_ERR_IO;
    }
    return PT_OK;
}
