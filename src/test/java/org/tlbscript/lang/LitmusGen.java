package org.tlbscript.lang;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Random herd7 x86 litmus tests in the part of the format `tlbscript litmus` reads (the `X86`
 * line, a doc string, key=value lines, the initial state, the program table, `locations`, an
 * exists, ~exists or forall condition, (* comments *)), mostly well formed; {@link Mutator}
 * breaks the rest.
 */
final class LitmusGen {
  static final String[] LOCATIONS = {"x", "y", "z"};
  static final String[] REGISTERS = {"EAX", "EBX", "ECX", "EDX", "ESI", "EDI"};
  /** The format's words, for the mutator to put where they do not belong. */
  static final List<String> WORDS = List.of("X86", "MOV", "MFENCE", "XCHG", "LOCK", "ADD", "INC", "CMPXCHG", "XADD",
      "exists", "~exists", "forall", "locations", "|", ";", "/\\", "\\/", "~", "(*", "*)", "{", "}", "[x]", "$1", "P0",
      "0:EAX=1", "EAX", "ESP");

  private final SplittableRandom r;

  LitmusGen(SplittableRandom r) {
    this.r = r;
  }

  private <T> T pick(T[] a) {
    return a[r.nextInt(a.length)];
  }

  private String value() {
    return r.nextInt(30) == 0 ? pick(new String[] {"99999999999999999999", "-1", "0x10", "4294967296"})
        : String.valueOf(r.nextInt(3));
  }

  private String instruction() {
    String x = "[" + pick(LOCATIONS) + "]";
    String reg = pick(REGISTERS);
    return switch (r.nextInt(12)) {
      case 0, 1, 2 -> "MOV " + x + ",$" + value();
      case 3 -> "MOV " + x + "," + reg;
      case 4, 5, 6 -> "MOV " + reg + "," + x;
      case 7 -> "MOV " + reg + ",$" + value();
      case 8 -> "MFENCE";
      case 9 -> "XCHG " + x + "," + reg;
      case 10 -> pick(new String[] {"LOCK ADD " + x + ",$" + value(), "LOCK ADD " + x + "," + reg, "LOCK INC " + x});
      default -> pick(new String[] {"LOCK CMPXCHG " + x + "," + reg, "LOCK XADD " + x + "," + reg,
          "ADD " + x + ",$1", "JMP L0", "MOV " + x + "," + x});
    };
  }

  private String term(int threads) {
    return r.nextInt(3) == 0 ? pick(LOCATIONS) + "=" + value() : r.nextInt(threads) + ":" + pick(REGISTERS) + "=" + value();
  }

  private String condition(int threads) {
    StringBuilder sb = new StringBuilder(term(threads));
    for (int i = r.nextInt(3); i > 0; i--) {
      sb.append(r.nextBoolean() ? " /\\ " : " \\/ ").append(r.nextInt(6) == 0 ? "~" + term(threads) : term(threads));
    }
    String body = r.nextInt(4) == 0 ? "(" + sb + ") /\\ " + term(threads) : sb.toString();
    return pick(new String[] {"exists", "exists", "~exists", "forall"}) + " (" + body + ")";
  }

  String test() {
    int threads = 1 + r.nextInt(3);
    int rows = 1 + r.nextInt(4);
    List<String> lines = new ArrayList<>();
    lines.add("X86 " + pick(new String[] {"SB", "MP", "fuzz", "LB+mfences", "t" + r.nextInt(100)}));
    if (r.nextBoolean()) {
      lines.add("\"" + pick(new String[] {"a doc string", "", "(* not a comment here *)"}) + "\"");
    }
    if (r.nextInt(4) == 0) {
      lines.add("Com=Fr Rf");
    }
    StringBuilder init = new StringBuilder("{");
    for (int i = r.nextInt(3); i > 0; i--) {
      init.append(' ').append(r.nextBoolean() ? pick(LOCATIONS) : r.nextInt(threads) + ":" + pick(REGISTERS))
          .append('=').append(value()).append(';');
    }
    lines.add(init.append(" }").toString());
    List<String> header = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      header.add(" P" + t + " ");
    }
    lines.add(String.join("|", header) + ";");
    for (int row = 0; row < rows; row++) {
      List<String> cells = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        cells.add(r.nextInt(5) == 0 ? "" : " " + instruction() + " ");
      }
      lines.add(String.join("|", cells) + ";");
    }
    if (r.nextInt(4) == 0) {
      lines.add("locations [" + pick(LOCATIONS) + "; 0:EAX;]");
    }
    if (r.nextInt(5) == 0) {
      lines.add("(* a comment *)");
    }
    lines.add(condition(threads));
    return String.join("\n", lines) + "\n";
  }
}
