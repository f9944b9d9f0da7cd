package org.tlbscript.kernels;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Every kernel model tlbscript knows, oldest first. */
public final class Models {
  private Models() {}

  public static final String DEFAULT = "v4.20";

  private static final Map<String, KernelModel> ALL = new LinkedHashMap<>();
  /** Teaching variants: not kernels, so not in `all` or in ranges; named explicitly. */
  private static final Map<String, KernelModel> VARIANTS = new LinkedHashMap<>();

  static {
    KernelModel v420 = Linux420.model();
    for (KernelModel m : LinuxOld.models(v420)) {
      add(m);
    }
    add(v420);
    // the newer models, each a patch of its neighbour (shared steps)
    KernelModel v513 = Linux513.model(v420);
    KernelModel gen0Bug = Linux60.gen0Bug(v513);
    KernelModel v60 = Linux60.model(gen0Bug);
    KernelModel v614 = Linux614.v614(v60);
    KernelModel v6174 = Linux614.v6174(v614);
    add(v513);
    add(gen0Bug);
    add(v60);
    add(v614);
    add(Linux614.stable66(v60));
    add(v6174);
    add(Linux614.v618(v6174));
    KernelModel partial = Linux420.partialAlways(v420);
    VARIANTS.put(partial.name, partial);
  }

  private static void add(KernelModel m) {
    ALL.put(m.name, m);
  }

  public static List<KernelModel> all() {
    return List.copyOf(ALL.values());
  }

  public static List<String> names() {
    return List.copyOf(ALL.keySet());
  }

  public static Optional<KernelModel> find(String name) {
    return Optional.ofNullable(ALL.containsKey(name) ? ALL.get(name) : VARIANTS.get(name));
  }

  public static List<KernelModel> variants() {
    return List.copyOf(VARIANTS.values());
  }

  /** Every name a scenario may use: the kernels in order, then the variants. */
  public static List<String> knownNames() {
    List<String> out = new java.util.ArrayList<>(ALL.keySet());
    out.addAll(VARIANTS.keySet());
    return out;
  }
}
