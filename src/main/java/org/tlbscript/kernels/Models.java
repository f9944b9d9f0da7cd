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
    add(Linux420.model());
    add(Linux513.model());
    add(Linux60.gen0Bug());
    add(Linux60.model());
    add(Linux614.v614());
    add(Linux614.stable66());
    add(Linux614.v6174());
    add(Linux614.v618());
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
