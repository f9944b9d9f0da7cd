package org.tlbscript.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.tlbscript.cli.CliTest.tlbscript;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tlbscript.cli.CliTest.Run;

/** {@code tlbscript litmus}: herd7's report shape, the summary line, exit codes, a bad file among good ones. */
class LitmusCliTest {
  @TempDir
  Path dir;

  static final String SB = """
      X86 SB
      "store buffering"
      {}
       P0          | P1          ;
       MOV [x],$1  | MOV [y],$1  ;
       MOV EAX,[y] | MOV EAX,[x] ;
      exists (0:EAX=0 /\\ 1:EAX=0)
      """;
  static final String LOCKED = """
      X86 lock
      { 0:EBX=1; 1:EBX=1; }
       P0                   | P1                   ;
       LOCK CMPXCHG [l],EBX | LOCK CMPXCHG [l],EBX ;
      ~exists (0:EAX=0 /\\ 1:EAX=0)
      """;
  static final String BAD = """
      X86 bad
      {}
       P0         | P1         ;
       MOV [x],$1 | ADD [x],$1 ;
      exists (x=2)
      """;

  private Path file(String name, String text) throws Exception {
    Path f = dir.resolve(name);
    Files.createDirectories(f.getParent());
    Files.writeString(f, text);
    return f;
  }

  /** The output without herd7's Time lines, whose figure varies. */
  private static List<String> untimed(Run r) {
    return r.lines().stream().filter(l -> !l.matches("Time \\S+ \\d+\\.\\d\\d")).toList();
  }

  @Test
  void printsHerdsReportPerTestAndASummary() throws Exception {
    file("b/lock.litmus", LOCKED);
    file("a/SB.litmus", SB);
    Run tso = tlbscript("litmus", dir.toString());
    assertEquals(0, tso.exit(), tso.err());
    assertEquals(List.of(
        "Test SB Allowed", "States 4",
        "0:EAX=0; 1:EAX=0;", "0:EAX=0; 1:EAX=1;", "0:EAX=1; 1:EAX=0;", "0:EAX=1; 1:EAX=1;",
        "Ok", "Witnesses", "Positive: 1 Negative: 3", "Condition exists (0:EAX=0 /\\ 1:EAX=0)",
        "Observation SB Sometimes 1 3", "",
        "Test lock Forbidden", "States 2", "0:EAX=0; 1:EAX=1;", "0:EAX=1; 1:EAX=0;",
        "Ok", "Witnesses", "Positive: 2 Negative: 0", "Condition ~exists (0:EAX=0 /\\ 1:EAX=0)",
        "Observation lock Never 0 2", "",
        "2 tests under x86tso: 2 Ok, 0 No"), untimed(tso));
    assertEquals(2, tso.lines().stream().filter(l -> l.matches("Time (SB|lock) \\d+\\.\\d\\d")).count(), tso.out());
    Run sc = tlbscript("litmus", "--memory", "sc", dir.resolve("a/SB.litmus").toString());
    assertEquals(0, sc.exit());
    assertEquals(List.of("Test SB Allowed", "States 3", "0:EAX=0; 1:EAX=1;", "0:EAX=1; 1:EAX=0;",
        "0:EAX=1; 1:EAX=1;", "No", "Witnesses", "Positive: 0 Negative: 3",
        "Condition exists (0:EAX=0 /\\ 1:EAX=0)", "Observation SB Never 0 3", "",
        "1 test under sc: 0 Ok, 1 No"), untimed(sc));
  }

  @Test
  void theShippedCorpusRuns() throws Exception {
    Path corpus = Path.of("src", "test", "resources", "litmus", "x86");
    long files;
    try (Stream<Path> s = Files.list(corpus)) {
      files = s.filter(p -> p.toString().endsWith(".litmus")).count();
    }
    Run r = tlbscript("litmus", corpus.toString());
    assertEquals(0, r.exit(), r.err());
    assertEquals(files, r.lines().stream().filter(l -> l.startsWith("Test ")).count());
    String last = r.lines().get(r.lines().size() - 1);
    assertTrue(last.matches(files + " tests under x86tso: \\d+ Ok, \\d+ No"), last);
  }

  @Test
  void aMalformedFileIsReportedAndTheOthersStillRun() throws Exception {
    file("a.litmus", SB);
    file("b.litmus", BAD);
    file("c.litmus", LOCKED);
    Run r = tlbscript("litmus", dir.toString());
    assertEquals(3, r.exit());
    assertEquals(dir.resolve("b.litmus") + ":4:15: error: `ADD` without LOCK is not atomic, and tlbscript "
        + "models only locked read-modify-writes\n"
        + "   MOV [x],$1 | ADD [x],$1 ;\n"
        + "                ^~~\n"
        + "  hint: write `LOCK ADD`\n", r.err());
    assertEquals(List.of("Test SB Allowed", "Test lock Forbidden"),
        r.lines().stream().filter(l -> l.startsWith("Test ")).toList());
    assertEquals("2 tests under x86tso: 2 Ok, 0 No, 1 invalid", r.lines().get(r.lines().size() - 1));
    assertFalse(r.err().contains("\tat "), "no stack trace: " + r.err());
  }

  @Test
  void usageErrors() throws Exception {
    file("x.tlbs", "cpus 2\n");
    assertEquals(2, tlbscript("litmus", dir.resolve("missing.litmus").toString()).exit());
    Run none = tlbscript("litmus", dir.toString());
    assertEquals(2, none.exit());
    assertTrue(none.err().contains("no *.litmus files under"), none.err());
    assertEquals(2, tlbscript("litmus", "--memory", "pso", file("a.litmus", SB).toString()).exit());
    assertEquals(2, tlbscript("litmus").exit());
    Run help = tlbscript("litmus", "--help");
    assertEquals(0, help.exit());
    assertTrue(help.out().replaceAll("\\s+", " ").contains("count distinct final states"), help.out());
  }
}
