package org.tlbscript.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;
import picocli.CommandLine;

/** The command line as a user meets it: exit codes, the closing line, stderr diagnostics, reports. */
class CliTest {
  @TempDir
  Path dir;

  record Run(int exit, String out, String err) {
    List<String> lines() {
      return out.lines().toList();
    }
  }

  static Run tlbscript(String... args) {
    CommandLine cmd = Main.commandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cmd.setOut(new PrintWriter(out));
    cmd.setErr(new PrintWriter(err));
    int exit = cmd.execute(args);
    return new Run(exit, out.toString(), err.toString());
  }

  private Path file(String name, String text) throws Exception {
    Path f = dir.resolve(name);
    Files.writeString(f, text);
    return f;
  }

  static final String PASSING = "cpus 2\ncpu0 switch mm1\ncpu1 switch mm1\ncpu1 touch mm1 0x2000\n"
      + "cpu0 unmap mm1 0x2000\nassert ipis cpu1 1\nassert stale none\n";
  static final String FAILING = "cpus 2\ncpu0 switch mm1\ncpu1 switch mm1\ncpu0 unmap mm1 0x2000\n"
      + "assert ipis cpu1 3\n";
  static final String INVALID = "cpus 2\ncpu0 switch mm1\ncpu2 touch mm1 0x2000\n";

  @Test
  void barriersPrintsATableAndTheBreakingScheduleOfEachNeededPoint() throws Exception {
    Run r = tlbscript("barriers", "--kernel", "v4.20", "scenarios/races/s04-rik-sb-tso.tlbs");
    assertEquals(0, r.exit(), r.err());
    assertTrue(r.out().contains("switch_mm_irqs_off:SW2c                      F    NEEDED: "
        + "scenarios/races/s04-rik-sb-tso.tlbs fails without it"), r.out());
    assertTrue(r.out().contains("── switch_mm_irqs_off:SW2c (switch_mm_irqs_off: smp_mb()"), r.out());
    assertTrue(r.out().contains("assert stale cpu1 0x2000"), r.out());
    Run unknown = tlbscript("barriers", "--kernel", "v4.2O", "scenarios/races/s04-rik-sb-tso.tlbs");
    assertEquals(2, unknown.exit());
    assertTrue(unknown.err().contains("unknown kernel model 'v4.2O'"), unknown.err());
    // a broken file is reported and left out; the others are analysed
    Run broken = tlbscript("barriers", "--kernel", "v4.20", file("bad.tlbs", INVALID).toString(),
        "scenarios/races/s04-rik-sb-tso.tlbs");
    assertEquals(3, broken.exit(), broken.out() + broken.err());
    assertTrue(broken.err().contains("bad.tlbs:3:1: error:"), broken.err());
    assertTrue(broken.out().contains("switch_mm_irqs_off:SW2c                      F    NEEDED"), broken.out());
    Run none = tlbscript("barriers", "--kernel", "v4.20", dir.resolve("bad.tlbs").toString());
    assertEquals(3, none.exit());
    assertTrue(none.err().contains("no valid scenario to run"), none.err());
  }

  @Test
  void theSuitePassesAndEndsWithTheSummaryLine() {
    Run r = tlbscript("run", "scenarios");
    assertEquals(0, r.exit(), r.err());
    String last = r.lines().get(r.lines().size() - 1);
    assertTrue(last.matches("\\d+ passed, 0 failed"), last);
  }

  @Test
  void exitCodesSayWhatWentWrong() throws Exception {
    assertEquals(0, tlbscript("run", file("ok.tlbs", PASSING).toString()).exit());
    Run failed = tlbscript("run", file("fail.tlbs", FAILING).toString());
    assertEquals(1, failed.exit());
    assertTrue(failed.err().contains("fail.tlbs:5:1: error: assertion failed: expected cpu1 to have taken 3"),
        failed.err());
    assertTrue(failed.out().endsWith("0 passed, 1 failed\n"), failed.out());
    Run invalid = tlbscript("run", file("bad.tlbs", INVALID).toString());
    assertEquals(3, invalid.exit());
    assertTrue(invalid.err().contains("bad.tlbs:3:1: error: cpu2 does not exist"), invalid.err());
    assertEquals(2, tlbscript("run", dir.resolve("missing.tlbs").toString()).exit());
    assertEquals(2, tlbscript("run", "--no-such-option", "scenarios").exit());
    assertEquals(2, tlbscript("run", "--kernel", "v9.99", "scenarios").exit());
    assertEquals(2, tlbscript().exit());
    assertEquals(0, tlbscript("--version").exit());
  }

  @Test
  void aBrokenFileDoesNotStopTheOthers() throws Exception {
    file("a.tlbs", INVALID);
    file("b.tlbs", PASSING);
    file("c.tlbs", FAILING);
    Run r = tlbscript("run", dir.toString());
    assertEquals(List.of("INVALID " + dir.resolve("a.tlbs"), "PASS " + dir.resolve("b.tlbs"),
        "FAIL " + dir.resolve("c.tlbs"), "1 passed, 1 failed, 1 invalid"), r.lines());
    assertEquals(3, r.exit());
    assertFalse(r.err().contains("\tat "), "no stack trace: " + r.err());
  }

  private Path bytes(String name, byte[] content) throws Exception {
    return Files.write(dir.resolve(name), content);
  }

  @Test
  void unreadableFilesAreInvalidAndTheBatchGoesOn() throws Exception {
    file("a.tlbs", PASSING);
    bytes("b.tlbs", "cpu0 switch mm1 \u00ff\n".getBytes(StandardCharsets.ISO_8859_1));
    bytes("c.tlbs", new byte[] {0x7f, 'E', 'L', 'F', 2, 1, 1, 0});
    byte[] text = PASSING.getBytes(StandardCharsets.UTF_8);
    byte[] bom = new byte[text.length + 3];
    bom[0] = (byte) 0xef;
    bom[1] = (byte) 0xbb;
    bom[2] = (byte) 0xbf;
    System.arraycopy(text, 0, bom, 3, text.length);
    bytes("d.tlbs", bom);
    Files.createDirectory(dir.resolve("e.tlbs")); // a directory named like a scenario
    Files.createSymbolicLink(dir.resolve("f.tlbs"), dir.resolve("nowhere"));
    file("g.tlbs", FAILING);
    Run r = tlbscript("run", dir.toString());
    assertEquals(List.of("PASS " + dir.resolve("a.tlbs"), "INVALID " + dir.resolve("b.tlbs"),
        "INVALID " + dir.resolve("c.tlbs"), "PASS " + dir.resolve("d.tlbs"), "INVALID " + dir.resolve("f.tlbs"),
        "FAIL " + dir.resolve("g.tlbs"), "2 passed, 1 failed, 3 invalid"), r.lines());
    assertEquals(3, r.exit(), r.err());
    assertTrue(r.err().contains(dir.resolve("b.tlbs") + ": error: not UTF-8 text (invalid byte 0xff at offset 16)\n"
        + "  hint: line 1, byte 17 of the line"), r.err());
    assertTrue(r.err().contains(dir.resolve("c.tlbs") + ": error: binary file (NUL byte at offset 7)\n"), r.err());
    assertTrue(r.err().contains(dir.resolve("f.tlbs") + ": error: no such file (a broken symbolic link)\n"), r.err());
    assertFalse(r.err().contains("internal error") || r.err().contains("Exception"), r.err());
    // named on the command line, not found under a directory: the same
    Run named = tlbscript("run", dir.resolve("b.tlbs").toString(), dir.resolve("a.tlbs").toString());
    assertEquals(List.of("INVALID " + dir.resolve("b.tlbs"), "PASS " + dir.resolve("a.tlbs"),
        "1 passed, 0 failed, 1 invalid"), named.lines());
    assertEquals(3, named.exit());
    // the worse exit code wins: a model bug (4) or an incomplete exploration (5) is not hidden by 3
    Run worse = tlbscript("run", "--max-states", "10", dir.resolve("b.tlbs").toString(),
        "scenarios/races/s04-rik-sb-tso.tlbs");
    assertEquals(5, worse.exit(), worse.out());
  }

  @Test
  void aDirectoryThatCannotBeListedIsReportedAndTheOthersRun() throws Exception {
    Path locked = Files.createDirectory(dir.resolve("locked"));
    file("locked/x.tlbs", PASSING);
    file("z.tlbs", PASSING);
    Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("---------"));
    try {
      assumeFalse(Files.isReadable(locked), "running as root: a directory without permissions is still listed");
      Run r = tlbscript("run", dir.toString());
      assertEquals(List.of("INVALID " + locked, "PASS " + dir.resolve("z.tlbs"), "1 passed, 0 failed, 1 invalid"),
          r.lines());
      assertTrue(r.err().contains(locked + ": error: permission denied: its files cannot be listed"), r.err());
      assertEquals(3, r.exit());
    } finally {
      Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("rwx------"));
    }
  }

  @Test
  void aFileWithoutReadPermissionIsInvalid() throws Exception {
    Path f = file("secret.tlbs", PASSING);
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("---------"));
    assumeFalse(Files.isReadable(f), "running as root: a file without permissions is still readable");
    Run r = tlbscript("run", f.toString(), file("ok.tlbs", PASSING).toString());
    assertEquals(List.of("INVALID " + f, "PASS " + dir.resolve("ok.tlbs"), "1 passed, 0 failed, 1 invalid"), r.lines());
    assertEquals(f + ": error: permission denied\n", r.err());
    assertEquals(3, r.exit());
  }

  @Test
  void aFileThatVanishesAfterDiscoveryIsInvalid() throws Exception {
    Path f = file("gone.tlbs", PASSING);
    List<Path> found = RunCommand.discover(Main.commandLine(), List.of(dir), ".tlbs");
    Files.delete(f);
    List<org.tlbscript.session.ScenarioRun.Result> r = RunCommand.run(found.get(0), null, false,
        org.tlbscript.engine.Explorer.Limits.DEFAULT);
    assertEquals(1, r.size());
    assertEquals(org.tlbscript.session.ScenarioRun.Status.INVALID, r.get(0).status());
    assertEquals(f + ": error: no such file or directory", r.get(0).diagnostics().get(0).headline());
  }

  @Test
  void neitherFileNorDirectory() throws Exception {
    Run r = tlbscript("run", "/dev/null", file("ok.tlbs", PASSING).toString());
    assertEquals(List.of("INVALID /dev/null", "PASS " + dir.resolve("ok.tlbs"), "1 passed, 0 failed, 1 invalid"),
        r.lines());
    assertEquals("/dev/null: error: not a regular file (a device, pipe or socket)\n", r.err());
    assertEquals(3, r.exit());
  }

  @Test
  void litmusReadsItsFilesWithTheSameHelper() throws Exception {
    Path bad = bytes("b.litmus", "X86 SB\n\"\u00e9\"\n".getBytes(StandardCharsets.ISO_8859_1));
    Run r = tlbscript("litmus", bad.toString(), "src/test/resources/litmus/x86/SB.litmus");
    assertEquals(3, r.exit(), r.err());
    assertEquals(bad + ": error: not UTF-8 text (invalid byte 0xe9 at offset 8)", r.err().lines().findFirst().orElse(""));
    assertTrue(r.out().contains("Test SB Allowed"), r.out());
  }

  /** An empty argument is not the current directory: a script's unset variable must not run everything below it. */
  @Test
  void anEmptyPathIsAUsageError() {
    for (String[] args : List.of(new String[] {"run", ""}, new String[] {"run", "scenarios/s01-plain-shootdown.tlbs", ""},
        new String[] {"litmus", ""}, new String[] {"compare", ""})) {
      Run r = tlbscript(args);
      assertEquals(2, r.exit(), r.out());
      assertEquals("", r.out());
      assertTrue(r.err().startsWith("tlbscript: an empty path (an unset variable?)\n"), r.err());
    }
  }

  @Test
  void compareReportsAnUnreadableFile() throws Exception {
    Path f = bytes("b.tlbs", "cpu0 switch mm1 \u00ff\n".getBytes(StandardCharsets.ISO_8859_1));
    Run r = tlbscript("compare", f.toString(), "--kernels", "v4.19,v4.20");
    assertEquals(3, r.exit());
    assertTrue(r.err().startsWith(f + ": error: not UTF-8 text (invalid byte 0xff at offset 16)\n"), r.err());
    assertEquals("", r.out());
    assertEquals(3, tlbscript("compare", "/dev/null").exit());
  }

  /** Each numeric option out of range: one message naming it and the bound, exit 2, nothing run. */
  @ParameterizedTest(name = "{0} {1}")
  @CsvSource(delimiter = '|', value = {
      "--max-states | 0                       | 0 is too small: at least 1 state",
      "--max-states | -5                      | -5 is too small: at least 1 state",
      "--max-states | 99999999999999999999    | 99999999999999999999 is too large: at most 9223372036854775807 states",
      "--max-states | 1e6                     | '1e6' is not a whole number of states",
      "--timeout    | -1                      | -1 is too small: at least 1 second",
      "--timeout    | 0                       | 0 is too small: at least 1 second",
      "--timeout    | 9223372036854776        | 9223372036854776 is too large: at most 9223372036854775 seconds",
      "--timeout    | 1.5                     | '1.5' is not a whole number of seconds",
      "--max-memory | 0                       | 0 is too small: at least 1 MB",
      "--max-memory | -1                      | -1 is too small: at least 1 MB",
      "--max-memory | 8796093022208           | 8796093022208 is too large: at most 8796093022207 MB"})
  void aNumericOptionOutOfRangeIsOneUsageError(String option, String value, String message) throws Exception {
    Run r = tlbscript("run", option, value, file("ok.tlbs", PASSING).toString());
    assertEquals(2, r.exit(), r.out());
    assertEquals("", r.out());
    assertEquals(List.of("tlbscript: Invalid value for option '" + option + "': " + message, "try: tlbscript run --help"),
        r.err().lines().toList());
  }

  @Test
  void theLargestNumericOptionsAreAccepted() throws Exception {
    Run r = tlbscript("run", "--max-states", "9223372036854775807", "--timeout", "9223372036854775",
        "--max-memory", "8796093022207", "scenarios/races/s04-rik-sb-tso.tlbs");
    assertEquals(0, r.exit(), r.err());
  }

  @Test
  void theSummaryCountsInvalidAndIncompleteRunsApartFromFailures() throws Exception {
    file("a.tlbs", INVALID);
    file("b.tlbs", PASSING);
    file("c.tlbs", FAILING);
    file("d.tlbs", "cpus 2\ncpu0 switch mm1\ntogether {\n  cpu0: unmap mm1 0x2000\n  cpu1: switch mm1\n}\n");
    Run r = tlbscript("run", "--max-states", "5", dir.toString());
    assertEquals("1 passed, 1 failed, 1 invalid, 1 incomplete", r.lines().get(r.lines().size() - 1));
    assertEquals(5, r.exit());
    assertTrue(r.err().contains("d.tlbs:3:1: error: exploration incomplete after "), r.err());
  }

  @Test
  void failFastStopsAtTheFirstFailure() throws Exception {
    file("a.tlbs", FAILING);
    file("b.tlbs", PASSING);
    Run r = tlbscript("run", "--fail-fast", dir.toString());
    assertEquals("0 passed, 1 failed", r.lines().get(r.lines().size() - 1));
    assertEquals(1, r.exit());
  }

  @Test
  void junitReportFollowsTheSurefireShape() throws Exception {
    file("a.tlbs", PASSING);
    file("b <&>.tlbs", FAILING);
    file("c.tlbs", INVALID);
    Path xml = dir.resolve("out/TEST-scenarios.xml");
    tlbscript("run", "--junit", xml.toString(), dir.toString());
    Document doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(xml.toFile());
    Element suite = doc.getDocumentElement();
    assertEquals("testsuite", suite.getTagName());
    assertEquals("3", suite.getAttribute("tests"));
    assertEquals("1", suite.getAttribute("failures"));
    assertEquals("1", suite.getAttribute("errors"));
    assertEquals("0", suite.getAttribute("skipped"));
    assertTrue(suite.getAttribute("time").matches("\\d+\\.\\d{3}"));
    NodeList cases = suite.getElementsByTagName("testcase");
    assertEquals(3, cases.getLength());
    Element failed = (Element) cases.item(1);
    assertTrue(failed.getAttribute("name").endsWith("b <&>.tlbs"));
    Element failure = (Element) failed.getElementsByTagName("failure").item(0);
    assertTrue(failure.getAttribute("message").contains("assertion failed"));
    assertEquals(1, ((Element) cases.item(2)).getElementsByTagName("error").getLength());
  }

  @Test
  void traceShowsTheKernelPath() throws Exception {
    Run r = tlbscript("run", "--trace", file("t.tlbs", PASSING).toString());
    assertTrue(r.out().contains("switch_mm_irqs_off:SW3c"), r.out());
    assertTrue(r.out().contains("mm_cpumask(mm1) := {cpu0 cpu1}"), r.out());
    assertTrue(r.out().contains("cpu1 takes the IPI from cpu0: flush_tlb_func_remote"), r.out());
    assertTrue(r.out().contains("f.new_tlb_gen=1 local=0 mm=1: partial"), r.out());
  }

  @Test
  void kernelsListsAndShowsModels() {
    Run list = tlbscript("kernels");
    assertEquals(0, list.exit());
    assertTrue(list.out().lines().anyMatch(l -> l.startsWith("v4.20 ")), list.out());
    Run show = tlbscript("kernels", "--show", "v4.20");
    assertTrue(show.out().contains("routine switch_mm_irqs_off(prev, next)   # irqs off"), show.out());
    assertTrue(show.out().lines().anyMatch(l -> l.contains("SW2c") && l.contains("smp_mb()")));
    assertEquals(2, tlbscript("kernels", "--show", "v4.2").exit());
  }
}
