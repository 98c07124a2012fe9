package dev.hlsmesh.protocol.swarm;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The few JavaScript number and string semantics that swarm ids depend on: {@code String(n)},
 * {@code Number(s)}, {@code parseInt(s, 10)} and {@code String.prototype.trim}. Stateless.
 */
final class JsNumbers {
  private static final Pattern DECIMAL_LITERAL =
      Pattern.compile("[+-]?(?:Infinity|(?:\\d+\\.?\\d*|\\.\\d+)(?:[eE][+-]?\\d+)?)");
  private static final Pattern NON_DECIMAL_LITERAL = Pattern.compile("0([xXoObB])([0-9a-fA-F]+)");
  private static final Pattern PARSE_INT_PREFIX = Pattern.compile("([+-]?)(\\d+)");

  private JsNumbers() {
  }

  /** {@code String(value)} / {@code Number.prototype.toString()} (ECMAScript Number::toString). */
  static String toJsString(double value) {
    if (Double.isNaN(value)) {
      return "NaN";
    }
    if (value == 0) {
      return "0"; // also -0
    }
    if (Double.isInfinite(value)) {
      return value > 0 ? "Infinity" : "-Infinity";
    }
    if (value < 0) {
      return "-" + toJsString(-value);
    }
    BigDecimal shortest = shortestRoundTrip(value);
    String digits = shortest.unscaledValue().toString();
    int k = digits.length();
    int n = k - shortest.scale(); // value = 0.digits × 10^n
    if (k <= n && n <= 21) {
      return digits + "0".repeat(n - k);
    }
    if (0 < n && n <= 21) {
      return digits.substring(0, n) + "." + digits.substring(n);
    }
    if (-6 < n && n <= 0) {
      return "0." + "0".repeat(-n) + digits;
    }
    int exponent = n - 1;
    String mantissa = k == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
    return mantissa + "e" + (exponent >= 0 ? "+" : "-") + Math.abs(exponent);
  }

  private static BigDecimal shortestRoundTrip(double value) {
    BigDecimal exact = new BigDecimal(value);
    for (int precision = 1; precision < 17; precision++) {
      BigDecimal candidate = exact.round(new MathContext(precision, RoundingMode.HALF_EVEN));
      if (candidate.doubleValue() == value) {
        return candidate.stripTrailingZeros();
      }
    }
    return exact.round(new MathContext(17, RoundingMode.HALF_EVEN)).stripTrailingZeros();
  }

  /** {@code Number(text)} for a string (ECMAScript StringToNumber). */
  static double stringToNumber(String text) {
    String trimmed = trim(text);
    if (trimmed.isEmpty()) {
      return 0;
    }
    if (DECIMAL_LITERAL.matcher(trimmed).matches()) {
      if (trimmed.endsWith("Infinity")) {
        return trimmed.startsWith("-") ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
      }
      return Double.parseDouble(trimmed);
    }
    Matcher radix = NON_DECIMAL_LITERAL.matcher(trimmed);
    if (radix.matches()) {
      int base = switch (Character.toLowerCase(radix.group(1).charAt(0))) {
        case 'x' -> 16;
        case 'o' -> 8;
        default -> 2;
      };
      try {
        return new BigInteger(radix.group(2), base).doubleValue();
      } catch (NumberFormatException e) {
        return Double.NaN; // digits not valid in that base, e.g. 0b12
      }
    }
    return Double.NaN;
  }

  /** {@code parseInt(text, 10)}: leading whitespace, optional sign, the longest digit prefix. */
  static double parseInt(String text) {
    if (text == null) {
      return Double.NaN;
    }
    Matcher m = PARSE_INT_PREFIX.matcher(trimStart(text));
    if (!m.lookingAt()) {
      return Double.NaN;
    }
    double magnitude = Double.parseDouble(m.group(2));
    return m.group(1).equals("-") ? -magnitude : magnitude;
  }

  /** {@code String.prototype.trim}: strips JavaScript WhiteSpace and LineTerminator characters. */
  static String trim(String text) {
    int start = 0;
    int end = text.length();
    while (start < end && isJsWhitespace(text.charAt(start))) {
      start++;
    }
    while (end > start && isJsWhitespace(text.charAt(end - 1))) {
      end--;
    }
    return text.substring(start, end);
  }

  private static String trimStart(String text) {
    int start = 0;
    while (start < text.length() && isJsWhitespace(text.charAt(start))) {
      start++;
    }
    return text.substring(start);
  }

  private static boolean isJsWhitespace(char c) {
    switch (c) {
      case '\t': case '\n': case 0x0B: case '\f': case '\r': case ' ':
      case 0x00A0: case 0x1680: case 0x2028: case 0x2029: case 0x202F: case 0x205F:
      case 0x3000: case 0xFEFF:
        return true;
      default:
        return c >= 0x2000 && c <= 0x200A;
    }
  }
}
