package org.tlbscript.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
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
 * Litmus tests on tlbscript's engine. The shipped corpus ({@code src/test/resources/litmus/x86})
 * always runs: under x86-TSO and SC the engine must reach exactly the final states of
 * {@link ReferenceTso}, and the verdicts of its {@code verdicts.tsv}, which the reference
 * computed and which {@link #shippedVerdictsAreTheReferences} keeps from drifting. herd7's own
 * catalogue with herd7's verdicts ({@code ../shared/litmus/x86} beside the clone, or
 * {@code $TLBSCRIPT_LITMUS}) runs too when it is there, and is reported as skipped when not.
 */
class LitmusTest {
  static final Path CORPUS = Path.of("src", "test", "resources", "litmus", "x86");

  static final String HEADER = """
      # Verdicts (herd7's Observation) of each test's condition under x86-TSO and SC, as computed by
      # the reference enumerator src/test/java/org/tlbscript/engine/ReferenceTso.java. LitmusTest
      # recomputes them; after changing the corpus, regenerate this file with
      #   mvn -B -q test -Dtest='LitmusTest#shippedVerdictsAreTheReferences' -Dtlbscript.writeVerdicts=true
      test\tx86tso\tsc
      """;

  /** Where herd7's catalogue is looked for: $TLBSCRIPT_LITMUS, else beside the clone. */
  static Path herdPath() {
    String env = System.getenv("TLBSCRIPT_LITMUS");
    return env != null ? Path.of(env) : Path.of("..", "shared", "litmus", "x86");
  }

  /** herd7's catalogue, or null when it is not there. */
  static Path herdDir() {
    return Files.isDirectory(herdPath()) ? herdPath() : null;
  }

  static Path requireHerd() {
    Path d = herdDir();
    assumeTrue(d != null, "herd7's litmus catalogue not found at " + herdPath().toAbsolutePath().normalize()
        + " (../shared/litmus/x86 beside the clone, or $TLBSCRIPT_LITMUS): the comparison with herd7 is skipped");
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
  Stream<DynamicTest> shippedCorpus() throws IOException {
    Map<String, String[]> expected = verdicts(CORPUS.resolve("verdicts.tsv"));
    List<Path> files = files(CORPUS);
    assertTrue(files.size() >= 30, "the shipped corpus has " + files.size() + " tests");
    assertEquals(expected.size(), files.size(), "verdicts.tsv and the .litmus files disagree");
    return files.stream().flatMap(f -> Stream.of(true, false).map(tso -> DynamicTest.dynamicTest(
        f.getFileName() + " " + Litmus.model(tso), () -> {
          Litmus.Test t = parse(f);
          String[] v = expected.get(t.name());
          assertTrue(v != null, t.name() + " has no line in verdicts.tsv");
          String diff = LitmusDifferentialTest.compare(t, tso);
          assertTrue(diff.isEmpty(), () -> t.format() + diff);
          Litmus.Run r = Litmus.run(t, tso);
          assertEquals(v[tso ? 0 : 1], r.verdict().name(), () -> Litmus.report(t, r));
        })));
  }

  /** The expected verdicts are the reference's: recomputed here, so the file cannot drift. */
  @Test
  void shippedVerdictsAreTheReferences() throws IOException {
    StringBuilder sb = new StringBuilder(HEADER);
    for (Path f : files(CORPUS)) {
      Litmus.Test t = parse(f);
      assertEquals(f.getFileName().toString(), t.name() + ".litmus", "a test's file is named after it");
      sb.append(t.name());
      for (boolean tso : new boolean[] {true, false}) {
        sb.append('\t').append(verdict(t, ReferenceTso.run(t, tso).finals()));
      }
      sb.append('\n');
    }
    Path tsv = CORPUS.resolve("verdicts.tsv");
    if (Boolean.getBoolean("tlbscript.writeVerdicts")) {
      Files.writeString(tsv, sb);
    }
    assertEquals(sb.toString(), Files.readString(tsv),
        "verdicts.tsv is not what the reference computes; if the corpus changed on purpose, regenerate it: "
            + "mvn -B -q test -Dtest='LitmusTest#shippedVerdictsAreTheReferences' -Dtlbscript.writeVerdicts=true");
  }

  static Litmus.Verdict verdict(Litmus.Test t, java.util.Set<List<Long>> finals) {
    return Litmus.verdict(Litmus.judge(t, finals));
  }

  @TestFactory
  Stream<DynamicTest> herdCatalogue() throws IOException {
    Path d = herdDir();
    if (d == null) { // one skipped test, which Surefire counts (an aborted factory it does not)
      return Stream.of(DynamicTest.dynamicTest("herd7's catalogue", LitmusTest::requireHerd));
    }
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

  /** A shipped test named as one of herd7's is that test (the same program) with herd7's verdicts. */
  @Test
  void shippedTestsNamedAsHerdsHaveHerdsVerdicts() throws IOException {
    Path d = requireHerd();
    Map<String, String[]> herd = verdicts(d.resolve("verdicts.tsv"));
    Map<String, String[]> ours = verdicts(CORPUS.resolve("verdicts.tsv"));
    List<String> both = new ArrayList<>();
    for (Path f : files(CORPUS)) {
      Litmus.Test t = parse(f);
      if (herd.containsKey(t.name())) {
        both.add(t.name());
        assertEquals(parse(d.resolve(f.getFileName())).format(), t.format(), t.name() + ": not herd7's program");
        assertEquals(List.of(herd.get(t.name())), List.of(ours.get(t.name())), t.name());
      }
    }
    assertTrue(both.size() >= 10, "only " + both + " are in both");
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
  void aRunPastItsBoundSaysSo() {
    Litmus.Test t = test("X86 SB\n{}\n P0 | P1 ;\n MOV [x],$1 | MOV [y],$1 ;\n MOV EAX,[y] | MOV EAX,[x] ;\n"
        + "exists (0:EAX=0 /\\ 1:EAX=0)\n");
    assertNull(Litmus.run(t, true).incomplete());
    Litmus.Run r = Litmus.run(t, true, new Explorer.Limits(3, 60_000, Long.MAX_VALUE));
    assertTrue(r.incomplete() != null && r.incomplete().contains("state limit"), String.valueOf(r.incomplete()));
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
