package org.tlbscript.repl;

import java.util.Map;
import org.tlbscript.lang.Suggest;

/** The text of {@code :help [topic]}. */
final class Help {
  private Help() {}

  static final Map<String, String> TOPICS = new java.util.LinkedHashMap<>();

  static {
    TOPICS.put("statements", """
        Statements are those of scenario files, one per line (or several separated by ';'):
          cpu1 switch mm2        cpu1 switch kernel     cpu1 use mm1 / unuse mm1   cpu1 leave
          cpu1 touch mm1 0x2000 [write]                 cpu1 spec 0x2000
          cpu0 map mm1 0x2000    cpu0 unmap mm1 0x2000[..0x4000]   protect, remap, free-tables
          flush mm1 range [A..B] cpu0 flush mm1 all     cpu0 exit mm1              tick 1000
          show state             show cpu1              show mm1                   show tlb cpu1
          trace on|off
        Header lines (kernel, cpus, pcid, ceiling, memory, speculate) come before the first action.
        A line with an error is not kept. Tab completes keywords, CPUs, mms, models and step labels.
        """);
    TOPICS.put("assertions", """
          assert stale none | stale cpuN [VA]     assert latent cpuN VA
          assert freed-walk none | freed-walk cpuN
          assert ipis [cpuN] N   assert cr3 cpuN N   assert flushes cpuN full|partial N
          assert cpuN lazy | not lazy | loaded mmX | asid A
          assert mask mmX {cpu0 cpu1}   assert gen mmX G
          assert sometimes ...   (after a together block: holds in one outcome)
        A failed assertion is reported and not kept.
        """);
    TOPICS.put("races", """
        A together block runs its lanes concurrently and explores every interleaving; type it over
        several lines (the prompt becomes ..) and close it with }:
          together {
            cpu0: unmap mm1 0x2000
            cpu1: switch mm1; touch mm1 0x2000
          }
        Afterwards plain assertions must hold in every outcome, `assert sometimes` in one.
        CPUs with the same lane from the same state count as one where the kernel code treats
        them alike (the figures line says "symmetry cpu1 cpu2"; none where it visits CPUs in order).
        :explore explores what is left of CPUs paused by begin/step (see :help stepping).
        """);
    TOPICS.put("stepping", """
          cpuN begin ACTION      start an action without running it
          cpuN step [K]          run K kernel steps      cpuN step to LABEL  (Tab completes labels)
          cpuN drain             the oldest buffered store reaches memory
          cpuN take ipi [from cpuM]                      cpuN finish
        :steps shows each CPU's next step (function:label), pending IPIs and buffered stores;
        :explore runs every interleaving of the rest and prints a counterexample if one goes wrong.
        """);
    TOPICS.put("commands", """
          :help [topic]          topics: statements, assertions, races, stepping, commands
          :state                 show state
          :trace on|off          print every kernel step of each action
          :undo [N]              undo the last N statements (the rest is replayed)
          :reset                 start over (the kernel model is kept)
          :kernel NAME           replay everything under another model and show what changed
          :save FILE [--assert] [--force]   write a scenario that `tlbscript run` passes;
                                 --assert appends the assertions that hold now
          :load FILE             run a scenario file into the session
          :explore               every interleaving of what paused CPUs have left
          :steps                 which CPUs can step, and their next steps
          :quit                  leave (or Ctrl-D); Ctrl-C drops the line being typed
        """);
  }

  static String text(String topic) {
    if (topic == null) {
      return TOPICS.get("statements") + "\nCommands:\n" + TOPICS.get("commands")
          + "More: :help assertions, :help races, :help stepping\n";
    }
    String t = TOPICS.get(topic);
    if (t != null) {
      return t;
    }
    return "no help on '" + topic + "'" + Suggest.closest(topic, TOPICS.keySet())
        .map(w -> " (did you mean " + w + "?)").orElse("") + "; topics: " + String.join(", ", TOPICS.keySet()) + "\n";
  }
}
