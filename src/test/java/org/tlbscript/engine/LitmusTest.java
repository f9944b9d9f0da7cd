package org.tlbscript.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * herd7's x86 catalogue on tlbscript's engine: for every test, the verdict of its condition
 * under store buffers must be herd7's x86tso verdict, and without them herd7's sc verdict. The
 * tests live beside the clone ({@code ../shared/litmus/x86}); TLBSCRIPT_LITMUS overrides that.
 */
class LitmusTest {
  static Path dir() {
    String env = System.getenv("TLBSCRIPT_LITMUS");
    Path d = env != null ? Path.of(env) : Path.of("..", "shared", "litmus", "x86");
    if (!Files.isDirectory(d)) {
      // a missing catalogue must not pass as "no tests": that would hide a broken engine
      fail("herd7 litmus tests not found at " + d.toAbsolutePath().normalize()
          + ": check out the shared folder beside the clone, or set TLBSCRIPT_LITMUS");
    }
    return d;
  }

  /** test name → {x86tso verdict, sc verdict}, from herd7 7.57. */
  static Map<String, String[]> verdicts(Path d) throws IOException {
    Map<String, String[]> out = new HashMap<>();
    for (String line : Files.readAllLines(d.resolve("verdicts.tsv"))) {
      String[] f = line.split("\t");
      if (f.length == 3 && !f[0].equals("test")) {
        out.put(f[0], new String[] {f[1], f[2]});
      }
    }
    return out;
  }

  @TestFactory
  Stream<DynamicTest> matchesHerd7() throws IOException {
    Path d = dir();
    Map<String, String[]> herd = verdicts(d);
    List<Path> files;
    try (Stream<Path> s = Files.list(d)) {
      files = s.filter(p -> p.toString().endsWith(".litmus")).sorted().toList();
    }
    assertEquals(herd.size(), files.size(), "verdicts.tsv and the .litmus files disagree");
    return files.stream().flatMap(f -> Stream.of(true, false).map(tso -> DynamicTest.dynamicTest(
        f.getFileName() + (tso ? " x86tso" : " sc"), () -> {
          Litmus.Test t = Litmus.parse(Files.readString(f));
          String[] expected = herd.get(t.name());
          if (expected == null) {
            fail(t.name() + " has no line in verdicts.tsv");
          }
          Litmus.Run r = Litmus.run(t, tso);
          assertEquals(expected[tso ? 0 : 1], r.verdict().name(), () -> Litmus.report(t, r));
        })));
  }

  @Test
  void reportsLikeHerd() {
    Litmus.Test t = Litmus.parse("""
        X86 SB
        "PodWR Fre PodWR Fre"
        {
        }
         P0          | P1          ;
         MOV [x],$1  | MOV [y],$1  ;
         MOV EAX,[y] | MOV EAX,[x] ;
        exists
        (0:EAX=0 /\\ 1:EAX=0)
        """);
    String tso = Litmus.report(t, Litmus.run(t, true));
    assertTrue(tso.contains("States 4\n0:EAX=0; 1:EAX=0;\n"), tso);
    assertTrue(tso.contains("Observation SB Sometimes 1 3"), tso);
    assertTrue(Litmus.report(t, Litmus.run(t, false)).contains("Observation SB Never 0 3"));
  }

  @Test
  void initValuesAndRegisterMoves() {
    // x starts at 1 and EBX at 5; the store from a register and ~ and \/ are exercised too
    Litmus.Test t = Litmus.parse("""
        X86 init
        { x=1; 0:EBX=5; }
         P0          ;
         MOV EAX,[x] ;
         MOV [y],EBX ;
         MOV ECX,$7  ;
        forall (0:EAX=1 /\\ y=5 /\\ ~(0:ECX=0 \\/ 0:EBX=0))
        """);
    assertEquals(Litmus.Verdict.Always, Litmus.run(t, true).verdict());
  }
}
