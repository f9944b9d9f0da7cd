package org.tlbscript.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.tlbscript.lang.Source;
import org.tlbscript.litmus.LitmusParser;

/**
 * Litmus tests on tlbscript's engine. herd7's catalogue with herd7's verdicts, which the engine
 * and {@link ReferenceTso} must both give
 * ({@code ../shared/litmus/x86} beside the clone, or {@code $TLBSCRIPT_LITMUS}) runs when it is
 * there, and is reported as skipped when not.
 */
class LitmusTest {
  /** herd7's catalogue, or null when it is not beside the clone. */
  static Path herdDir() {
    String env = System.getenv("TLBSCRIPT_LITMUS");
    Path d = env != null ? Path.of(env) : Path.of("..", "shared", "litmus", "x86");
    return Files.isDirectory(d) ? d : null;
  }

  static Path requireHerd() {
    Path d = herdDir();
    assumeTrue(d != null, "herd7's litmus catalogue not found at ../shared/litmus/x86 (or $TLBSCRIPT_LITMUS): "
        + "the comparison with herd7's verdicts is skipped");
    return d;
  }

  static List<Path> files(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> p.toString().endsWith(".litmus")).sorted().toList();
    }
  }

  static Litmus.Test parse(Path f) throws IOException {
    return LitmusParser.parse(new Source(f.toString(), Files.readString(f)));
  }

  /** test name → {x86tso verdict, sc verdict}; lines starting with # and the header are skipped. */
  static Map<String, String[]> verdicts(Path tsv) throws IOException {
    Map<String, String[]> out = new LinkedHashMap<>();
    for (String line : Files.readAllLines(tsv)) {
      String[] f = line.split("\t");
      if (!line.startsWith("#") && f.length == 3 && !f[0].equals("test")) {
        out.put(f[0], new String[] {f[1], f[2]});
      }
    }
    return out;
  }

  @TestFactory
  Stream<DynamicTest> herdCatalogue() throws IOException {
    Path d = requireHerd();
    Map<String, String[]> herd = verdicts(d.resolve("verdicts.tsv"));
    List<Path> files = files(d);
    assertEquals(herd.size(), files.size(), "verdicts.tsv and the .litmus files disagree");
    return files.stream().flatMap(f -> Stream.of(true, false).map(tso -> DynamicTest.dynamicTest(
        f.getFileName() + " " + Litmus.model(tso), () -> {
          Litmus.Test t = parse(f);
          String[] expected = herd.get(t.name());
          assertTrue(expected != null, t.name() + " has no line in herd7's verdicts.tsv");
          Litmus.Run r = Litmus.run(t, tso);
          assertEquals(expected[tso ? 0 : 1], r.verdict().name(), () -> "engine\n" + Litmus.report(t, r));
          // the reference must agree with herd7 too, or it is no reference
          assertEquals(expected[tso ? 0 : 1], verdict(t, ReferenceTso.run(t, tso).finals()).name(), "reference");
        })));
  }

  static Litmus.Verdict verdict(Litmus.Test t, java.util.Set<List<Long>> finals) {
    return Litmus.verdict(Litmus.judge(t, finals));
  }

  private static Litmus.Test test(String text) {
    return LitmusParser.parse(new Source("t.litmus", text));
  }

  @Test
  void reportsLikeHerd() {
    Litmus.Test t = test("""
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
    assertTrue(tso.startsWith("""
        Test SB Allowed
        States 4
        0:EAX=0; 1:EAX=0;
        0:EAX=0; 1:EAX=1;
        0:EAX=1; 1:EAX=0;
        0:EAX=1; 1:EAX=1;
        Ok
        Witnesses
        Positive: 1 Negative: 3
        Condition exists (0:EAX=0 /\\ 1:EAX=0)
        Observation SB Sometimes 1 3
        Time SB"""), tso);
    String sc = Litmus.report(t, Litmus.run(t, false));
    assertTrue(sc.contains("States 3\n") && sc.contains("No\n") && sc.contains("Observation SB Never 0 3\n"), sc);
  }

  @Test
  void forbiddenTestsCountWitnessesAsHerdDoes() {
    // herd7 swaps Positive and Negative for ~exists: Positive counts the states without the condition
    Litmus.Test t = test("""
        X86 SB+mfences
        { }
         P0          | P1          ;
         MOV [x],$1  | MOV [y],$1  ;
         MFENCE      | MFENCE      ;
         MOV EAX,[y] | MOV EAX,[x] ;
        ~exists (0:EAX=0 /\\ 1:EAX=0)
        """);
    String r = Litmus.report(t, Litmus.run(t, true));
    assertTrue(r.startsWith("Test SB+mfences Forbidden\nStates 3\n"), r);
    assertTrue(r.contains("Ok\nWitnesses\nPositive: 3 Negative: 0\nCondition ~exists (0:EAX=0 /\\ 1:EAX=0)\n"
        + "Observation SB+mfences Never 0 3\n"), r);
  }

  @Test
  void initValuesRegisterMovesAndLocations() {
    Litmus.Test t = test("""
        X86 init
        { x=1; 0:EBX=5; }
         P0          ;
         MOV EAX,[x] ;
         MOV [y],EBX ;
         MOV ECX,$7  ;
        locations [z;]
        forall (0:EAX=1 /\\ [y]=5 /\\ ~(0:ECX=0 \\/ 0:EBX=0))
        """);
    Litmus.Run r = Litmus.run(t, true);
    assertEquals(Litmus.Verdict.Always, r.verdict());
    assertEquals("0:EAX=1; 0:EBX=5; 0:ECX=7; [y]=5; [z]=0;", r.line(r.outcomes().firstKey()));
    assertEquals("forall (0:EAX=1 /\\ [y]=5 /\\ not (0:ECX=0 \\/ 0:EBX=0))", t.condition());
  }

  @Test
  void lockedInstructionsHaveX86Semantics() {
    // one thread, so one final state: each instruction's effect on memory and registers
    Litmus.Test t = test("""
        X86 locked
        { x=3; y=4; z=9; 0:EAX=3; 0:EBX=8; 0:ECX=10; 0:EDX=5; 0:ESI=2; }
         P0                   ;
         LOCK CMPXCHG [x],EBX ;
         LOCK CMPXCHG [z],ECX ;
         XCHG EDX,[y]         ;
         LOCK XADD [y],ESI    ;
         LOCK ADD [x],$2      ;
         LOCK INC [z]         ;
         LOCK ADD [z],ESI     ;
        locations [0:EAX; 0:EDX; 0:ESI; y; z;]
        exists (x=10)
        """);
    // x = EAX, so x := EBX (8), then + 2; z != EAX, so EAX := z (9), then z + 1 + ESI;
    // XCHG leaves y=5 and EDX=4, XADD y=7 and ESI=5 (y's old value)
    for (boolean tso : new boolean[] {true, false}) {
      Litmus.Run r = Litmus.run(t, tso);
      assertNull(r.incomplete());
      assertEquals(List.of("0:EAX=9; 0:EDX=4; 0:ESI=5; [x]=10; [y]=7; [z]=15;"),
          r.outcomes().keySet().stream().map(r::line).toList());
      assertEquals(Litmus.Verdict.Always, r.verdict());
    }
  }
}
