#pragma once
// VERIFY_OK(result): QVERIFY for a Result<T>, with its error text as the message.
#include <QtTest>

// QVERIFY2 evaluates its message even on success: error() only when it failed.
#define VERIFY_OK(expr)                                                                  \
    do {                                                                                 \
        const auto &verified_ = (expr); /* evaluated once */                             \
        QVERIFY2(verified_.ok(), verified_.ok() ? "" : verified_.error().c_str());       \
    } while (false)
