#pragma once
#include <librdkafka/rdkafka.h>

// rd_kafka_producev is variadic; Swift cannot call it. This wrapper produces one
// message with a copy of key and value and optional headers (ownership of the
// headers passes to librdkafka on success only, as with producev).
static inline rd_kafka_resp_err_t crdkafka_produce(rd_kafka_t *rk, const char *topic, int32_t partition,
                                                   const void *key, size_t key_len,
                                                   const void *value, size_t value_len,
                                                   rd_kafka_headers_t *headers, void *opaque) {
    if (headers) {
        return rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_PARTITION(partition),
                                 RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                 RD_KAFKA_V_KEY(key, key_len), RD_KAFKA_V_VALUE((void *)value, value_len),
                                 RD_KAFKA_V_HEADERS(headers), RD_KAFKA_V_OPAQUE(opaque), RD_KAFKA_V_END);
    }
    return rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_PARTITION(partition),
                             RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                             RD_KAFKA_V_KEY(key, key_len), RD_KAFKA_V_VALUE((void *)value, value_len),
                             RD_KAFKA_V_OPAQUE(opaque), RD_KAFKA_V_END);
}

static inline const char *crdkafka_version_str(void) { return rd_kafka_version_str(); }
