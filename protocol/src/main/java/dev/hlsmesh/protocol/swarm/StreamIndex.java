package dev.hlsmesh.protocol.swarm;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The per-stream index of p2p-media-loader 2.3.x (PROTOCOL.md B.2):
 * {@code Base64(SHA-1(UTF-8(preimage)))}, where the preimage joins nine normalised props with
 * {@code -}. Stateless; any thread.
 */
public final class StreamIndex {
  private StreamIndex() {
  }

  /**
   * The 28-character stream index, e.g. {@code RBJcGgBiOomhLhapF6nbpo2gYEs=}.
   *
   * @param props the stream's props
   * @return standard Base64 with padding of the SHA-1 of the preimage
   */
  public static String index(StreamProps props) {
    return Hashing.base64(Hashing.sha1(preimage(props)));
  }

  /**
   * The string that is hashed: {@code bitrate-codecs-width-height-language-channels-name-
   * frameRate-videoRange} with the field rules of B.2 (JavaScript number printing, codec
   * normalisation and sorting, language cut to two letters, …). Exposed for diagnostics.
   *
   * @param props the stream's props
   * @return the preimage, e.g. {@code 2628000-avc1.4d401f-1280-720----30-}
   */
  public static String preimage(StreamProps props) {
    return String.join("-",
        JsNumbers.toJsString(props.bitrate() == null ? 0 : props.bitrate()),
        codecs(props.codecs()),
        number(props.width()),
        number(props.height()),
        language(props.language()),
        channels(props.channels()),
        isFalsy(props.name()) ? "" : JsNumbers.trim(props.name().toLowerCase(Locale.ROOT)),
        frameRate(props.frameRate()),
        isFalsy(props.videoRange()) ? "" : JsNumbers.trim(props.videoRange().toUpperCase(Locale.ROOT)));
  }

  /** Codec list normalisation: trim, lowercase, {@code avc1.<dec>.<dec>} to hex, sort. */
  static String codecs(String codecs) {
    if (isFalsy(codecs)) {
      return "";
    }
    List<String> items = new ArrayList<>();
    for (String item : codecs.split(",", -1)) {
      items.add(normaliseAvc(JsNumbers.trim(item).toLowerCase(Locale.ROOT)));
    }
    items.sort(null); // String.compareTo is UTF-16 code-unit order, as Array.prototype.sort
    return String.join(",", items);
  }

  private static String normaliseAvc(String codec) {
    String[] parts = codec.split("\\.", -1);
    if (parts.length != 3 || !(parts[0].equals("avc1") || parts[0].equals("avc"))
        || !isCanonicalInteger(parts[1]) || !isCanonicalInteger(parts[2])) {
      return codec;
    }
    return parts[0] + "." + hex2(parts[1]) + "00" + hex2(parts[2]);
  }

  /** {@code String(parseInt(x, 10)) === x}: also true for e.g. {@code -5}, as in the reference. */
  private static boolean isCanonicalInteger(String text) {
    double value = JsNumbers.parseInt(text);
    return !Double.isNaN(value) && JsNumbers.toJsString(value).equals(text);
  }

  private static String hex2(String canonicalDecimal) {
    // Number(x).toString(16).padStart(2, "0"): the double's exact hex digits ("-5" stays "-5")
    String hex = new BigDecimal(JsNumbers.parseInt(canonicalDecimal)).toBigInteger().toString(16);
    return hex.length() < 2 ? "0" + hex : hex;
  }

  private static String number(Double value) {
    return value == null ? "" : JsNumbers.toJsString(value);
  }

  private static String language(String language) {
    if (isFalsy(language) || language.equals("und")) {
      return "";
    }
    return language.substring(0, Math.min(2, language.length())).toLowerCase(Locale.ROOT);
  }

  private static String channels(String channels) {
    if (isFalsy(channels)) {
      return "";
    }
    int slash = channels.indexOf('/');
    return slash < 0 ? channels : channels.substring(0, slash);
  }

  private static String frameRate(String frameRate) {
    if (isFalsy(frameRate)) {
      return "";
    }
    double value = JsNumbers.stringToNumber(frameRate);
    return Double.isNaN(value) ? "" : JsNumbers.toJsString(value);
  }

  private static boolean isFalsy(String value) {
    return value == null || value.isEmpty();
  }
}
