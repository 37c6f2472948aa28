// The Nexmark suite's `count_char` function (its q14 registers it with
// CREATE FUNCTION count_char AS 'com.github.nexmark.flink.udf.CountChar'), written for Sluice's
// Flink oracle to behave as the suite's function does: how many bytes of the first string's UTF-8
// equal the first byte of the second string; 0 for a NULL first string. scripts/flink.sh
// compiles it into PyFlink's lib folder. Sluice runs the same function natively.
package com.github.nexmark.flink.udf;

import org.apache.flink.table.annotation.DataTypeHint;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.functions.ScalarFunction;

public class CountChar extends ScalarFunction {
    public long eval(@DataTypeHint("STRING") StringData text, @DataTypeHint("STRING") StringData character) {
        if (text == null) {
            return 0;
        }
        byte wanted = character.toBytes()[0];
        long n = 0;
        for (byte b : text.toBytes()) {
            if (b == wanted) {
                n++;
            }
        }
        return n;
    }
}
