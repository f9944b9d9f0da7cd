package org.tlbscript.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
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
