package org.tlbscript.repl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.jline.terminal.Attributes;
import org.jline.terminal.Size;
import org.jline.terminal.impl.DumbTerminal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Keystrokes on a JLine DumbTerminal of type "ansi": line editing, Tab, Ctrl-C, Ctrl-D. */
class ReplTerminalTest {
  @TempDir
  Path dir;

  record Run(int exit, String out, Path history) {}

  Run type(String keys) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DumbTerminal t = new DumbTerminal("terminal", "ansi", new ByteArrayInputStream(keys.getBytes(StandardCharsets.UTF_8)),
        bytes, StandardCharsets.UTF_8);
    t.setSize(new Size(160, 40));
    Attributes a = t.getAttributes();
    a.setLocalFlag(Attributes.LocalFlag.ISIG, true);
    a.setControlChar(Attributes.ControlChar.VINTR, 3);
    a.setControlChar(Attributes.ControlChar.VEOF, 4);
    t.setAttributes(a);
    Path history = dir.resolve("history");
    int exit = Repl.onTerminal(t, history, null).run();
    return new Run(exit, bytes.toString(StandardCharsets.UTF_8), history);
  }

  @Test
  void tabCompletesAKeywordAndTheHistoryFileIsWritten() throws Exception {
    Run r = type("cpu1 sw\tmm1\nassert cpu1 loaded mm1\n\u0004");
    assertEquals(0, r.exit(), r.out());
    List<String> h = Files.readAllLines(r.history());
    assertTrue(h.stream().anyMatch(l -> l.endsWith("cpu1 switch mm1")), h.toString());
    assertTrue(r.out().contains("bye"), r.out());
  }

  @Test
  void tabOffersTheLiveMmNames() throws Exception {
    Run r = type("cpu0 switch mm7\ncpu1 switch m\t\n:state\n\u0004");
    // the only mm is mm7: completed at once
    assertTrue(r.out().contains("{cpu0 cpu1}"), r.out());
    assertEquals(0, r.exit(), r.out());
  }

  @Test
  void aTogetherBlockContinuesOnTheNextLine() throws Exception {
    Run r = type("cpu0 switch mm1\ncpu1 switch mm1\ncpu1 touch mm1 0x2000\ncpu1 switch kernel\n"
        + "together {\ncpu0: unmap mm1 0x2000\ncpu1: switch mm1; touch mm1 0x2000\n}\nassert stale none\n\u0004");
    assertTrue(r.out().contains(".. "), r.out());
    assertTrue(r.out().contains("together (line 5)"), r.out());
    assertEquals(0, r.exit(), r.out());
  }

  @Test
  void ctrlCDropsTheLineAndCtrlDLeaves() throws Exception {
    Run r = type("cpu0 switch mm1\ncpu0 switch kern\u0003assert cpu0 not lazy\n\u0004:state\n");
    assertEquals(0, r.exit(), r.out());
    assertTrue(r.out().contains("bye"), r.out());
    assertFalse(r.out().contains("mm_cpumask"), "nothing after Ctrl-D runs: " + r.out());
  }

  @Test
  void completionFollowsTheGrammarAndTheSession() throws Exception {
    Workspace ws = new Workspace("rik-2018-proposal");
    ws.eval("<t>", "cpu0 switch mm1\ncpu1 switch mm2", 1);
    GrammarCompleter c = new GrammarCompleter(ws);
    assertTrue(c.words("cpu1 ").contains("switch"));
    List<String> afterSwitch = c.words("cpu1 switch ");
    assertTrue(afterSwitch.containsAll(List.of("mm1", "mm2", "kernel", "init_mm")), afterSwitch.toString());
    assertFalse(afterSwitch.contains("map"), afterSwitch.toString());
    assertFalse(afterSwitch.contains("cpu0"), afterSwitch.toString());
    assertTrue(c.words("").containsAll(List.of("cpu0", "cpu1", "assert", ":save")));
    assertTrue(c.words(":kernel ").contains("v4.19"));
    assertTrue(c.words("kernel ").contains("rik-2018-proposal"));
    assertTrue(c.words("cpu1 step to ").contains("SW2c") || c.words("cpu1 step to ").contains("SW1"));
    assertTrue(c.words("assert stale ").containsAll(List.of("none", "cpu0")));
    assertTrue(c.words(":").contains(":explore"));
  }

  @Test
  void theHighlighterColoursTokens() {
    String ansi = new LexerHighlighter().highlight(null, "cpu1 touch mm1 0x2000 # c").toAnsi();
    assertTrue(ansi.contains("\u001b[32mcpu1"), ansi);
    assertTrue(ansi.contains("\u001b[1mtouch"), ansi);
    assertTrue(ansi.contains("\u001b[33mmm1"), ansi);
    assertTrue(ansi.contains("\u001b[35m0x2000"), ansi);
  }
}
