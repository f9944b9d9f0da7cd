package org.tlbscript.lang;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.antlr.v4.runtime.Vocabulary;
import org.tlbscript.lang.parser.TlbsLexer;

/**
 * Breaks well-formed input the ways files and typing break: tokens deleted, duplicated, swapped
 * or replaced by another word of the grammar; truncation; flipped characters; lines moved (a
 * header to the end); random bytes, NUL, invalid UTF-8 and a stray byte order mark; numbers too
 * large for a long; deep nesting and very long lines.
 */
final class Mutator {
  private static final Pattern TOKEN = Pattern.compile("\\S+");
  private static final Pattern NUMBER = Pattern.compile("\\b(0[xX][0-9a-fA-F_]+|[0-9][0-9_]*[KMG]?)\\b");
  /** The grammar's own words, from the lexer: what a typo or a misplaced word looks like. */
  static final List<String> WORDS = new ArrayList<>();

  static {
    Vocabulary v = TlbsLexer.VOCABULARY;
    for (int t = 1; t <= v.getMaxTokenType(); t++) {
      String lit = v.getLiteralName(t);
      if (lit != null) {
        WORDS.add(lit.substring(1, lit.length() - 1));
      }
    }
    WORDS.addAll(List.of("cpu0", "cpu1", "cpu3", "mm1", "mm2", "0x1000", "0x2000..0x3000", "v4.20", "all"));
  }

  static final String[] HUGE = {"99999999999999999999", "0xfffffffffffffffff", "4611686018427387904",
      "9223372036854775807", "9223372036854775808", "18446744073709551616", "0x8000000000000000", "99999999999K",
      "3000000000", "2147483648", "0x", "1_", "-1", "0x7ffffffff000", "0000000000000000000000001"};
  static final byte[][] BAD_BYTES = {{0}, {(byte) 0xff}, {(byte) 0xfe}, {(byte) 0xc0, (byte) 0xaf},
      {(byte) 0xed, (byte) 0xa0, (byte) 0x80}, {(byte) 0x80}, {(byte) 0xe2, (byte) 0x82},
      {(byte) 0xef, (byte) 0xbb, (byte) 0xbf}, {(byte) 0xf4, (byte) 0x90, (byte) 0x80, (byte) 0x80}, {0x1b, '[', '2', 'J'},
      {'\r'}, {0x7f}, {(byte) 0xc2, (byte) 0x85}, {(byte) 0xe2, (byte) 0x80, (byte) 0xa8}};
  static final String[] CHARS = {"{", "}", ";", ":", ".", "..", "#", "\t", "\r", "\n", " ", "é", "😀", "\ufeff",
      "\u2028", "x", "0", "-", "_", "@", "\\", "\"", "'"};

  private final SplittableRandom r;
  /** The words a token may become: the grammar's, and those of the format being broken. */
  private final List<String> words;

  Mutator(SplittableRandom r) {
    this(r, List.of());
  }

  Mutator(SplittableRandom r, List<String> formatWords) {
    this.r = r;
    this.words = new ArrayList<>(WORDS);
    words.addAll(formatWords);
  }

  private <T> T pick(T[] a) {
    return a[r.nextInt(a.length)];
  }

  /** {@code text} with one to three mutations; the bytes may no longer be UTF-8. */
  byte[] mutate(String text) {
    String s = text;
    int textual = 1 + r.nextInt(3);
    for (int i = 0; i < textual; i++) {
      s = mutateText(s);
    }
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    if (r.nextInt(4) == 0) {
      b = mutateBytes(b);
    }
    return b;
  }

  String mutateText(String s) {
    List<int[]> tokens = spans(TOKEN, s);
    switch (r.nextInt(12)) {
      case 0 -> { // delete a token
        if (!tokens.isEmpty()) {
          int[] t = tokens.get(r.nextInt(tokens.size()));
          return s.substring(0, t[0]) + s.substring(t[1]);
        }
      }
      case 1 -> { // duplicate a token
        if (!tokens.isEmpty()) {
          int[] t = tokens.get(r.nextInt(tokens.size()));
          return s.substring(0, t[1]) + " " + s.substring(t[0], t[1]) + s.substring(t[1]);
        }
      }
      case 2 -> { // swap two tokens
        if (tokens.size() >= 2) {
          int i = r.nextInt(tokens.size());
          int j = r.nextInt(tokens.size());
          int[] a = tokens.get(Math.min(i, j));
          int[] b = tokens.get(Math.max(i, j));
          if (a != b) {
            return s.substring(0, a[0]) + s.substring(b[0], b[1]) + s.substring(a[1], b[0])
                + s.substring(a[0], a[1]) + s.substring(b[1]);
          }
        }
      }
      case 3 -> { // another word of the grammar
        if (!tokens.isEmpty()) {
          int[] t = tokens.get(r.nextInt(tokens.size()));
          return s.substring(0, t[0]) + words.get(r.nextInt(words.size())) + s.substring(t[1]);
        }
      }
      case 4 -> { // truncate
        return s.isEmpty() ? s : s.substring(0, r.nextInt(s.length()));
      }
      case 5 -> { // flip or insert a character
        int at = s.isEmpty() ? 0 : r.nextInt(s.length());
        String c = r.nextBoolean() ? pick(CHARS) : String.valueOf((char) (0x20 + r.nextInt(0x5f)));
        boolean replace = r.nextBoolean() && at < s.length() && !Character.isSurrogate(s.charAt(at));
        return s.substring(0, at) + c + s.substring(replace ? at + 1 : at);
      }
      case 6 -> { // a number too large, or otherwise odd
        List<int[]> nums = spans(NUMBER, s);
        if (!nums.isEmpty()) {
          int[] t = nums.get(r.nextInt(nums.size()));
          String huge = r.nextInt(20) == 0 ? "0x" + "f".repeat(100_000) : pick(HUGE);
          return s.substring(0, t[0]) + huge + s.substring(t[1]);
        }
      }
      case 7 -> { // move a line to the end (a header after the actions), or duplicate one
        String[] lines = s.split("\n", -1);
        if (lines.length >= 2) {
          int i = r.nextInt(lines.length);
          List<String> out = new ArrayList<>(List.of(lines));
          String l = r.nextBoolean() ? out.remove(i) : out.get(i);
          out.add(l);
          return String.join("\n", out);
        }
      }
      case 8 -> { // deep nesting, or a very long line
        int at = s.isEmpty() ? 0 : r.nextInt(s.length());
        String deep = switch (r.nextInt(6)) {
          case 0 -> "together {\n".repeat(1 + r.nextInt(2000));
          case 1 -> "{".repeat(1 + r.nextInt(20_000));
          case 2 -> "cpu0: ".repeat(1 + r.nextInt(2000));
          case 3 -> "}\n".repeat(1 + r.nextInt(1000));
          case 4 -> "cpu0 switch mm1; ".repeat(1 + r.nextInt(3000)) + "\n";
          default -> "x".repeat(1 + r.nextInt(100_000));
        };
        return s.substring(0, at) + deep + s.substring(at);
      }
      case 9 -> { // many lines
        String[] lines = s.split("\n", -1);
        String l = lines[r.nextInt(lines.length)];
        return s + ("\n" + l).repeat(1 + r.nextInt(500));
      }
      case 10 -> { // swap two lines
        String[] lines = s.split("\n", -1);
        if (lines.length >= 2) {
          int i = r.nextInt(lines.length);
          int j = r.nextInt(lines.length);
          String t = lines[i];
          lines[i] = lines[j];
          lines[j] = t;
          return String.join("\n", lines);
        }
      }
      default -> { // a word glued to its neighbour
        if (!tokens.isEmpty()) {
          int[] t = tokens.get(r.nextInt(tokens.size()));
          return s.substring(0, t[1]) + words.get(r.nextInt(words.size())) + s.substring(t[1]);
        }
      }
    }
    return s;
  }

  byte[] mutateBytes(byte[] b) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int at = b.length == 0 ? 0 : r.nextInt(b.length + 1);
    out.write(b, 0, at);
    if (r.nextBoolean()) {
      out.writeBytes(pick(BAD_BYTES));
    } else {
      for (int i = 1 + r.nextInt(8); i > 0; i--) {
        out.write(r.nextInt(256));
      }
    }
    out.write(b, at, b.length - at);
    return out.toByteArray();
  }

  private static List<int[]> spans(Pattern p, String s) {
    List<int[]> out = new ArrayList<>();
    Matcher m = p.matcher(s);
    while (m.find()) {
      out.add(new int[] {m.start(), m.end()});
    }
    return out;
  }
}
