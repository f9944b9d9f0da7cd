package org.tlbscript.session;

import org.tlbscript.kernels.KernelModel;
import org.tlbscript.lang.Ast;
import org.tlbscript.lang.Source;

/** Runs a scenario with a look into the session after each statement, for tests. */
final class Watch {
  private Watch() {}

  interface After {
    void accept(Session session, Ast.Stmt stmt, Outcome outcome);
  }

  static ScenarioRun.Result run(Source source, KernelModel model, After after) {
    Session[] session = new Session[1];
    return ScenarioRun.runWatched(source, model, new ScenarioRun.Watcher() {
      @Override
      public void started(Session s) {
        session[0] = s;
      }

      @Override
      public void executed(Ast.Stmt stmt, Outcome o) {
        after.accept(session[0], stmt, o);
      }
    });
  }
}
