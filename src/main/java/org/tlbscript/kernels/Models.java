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
    return Optional.ofNullable(ALL.get(name));
  }
}
