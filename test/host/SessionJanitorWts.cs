// Stand-in for the script's SessionJanitorWts type (the WTS API through P/Invoke, which Linux
// lacks). The script's Initialize-Wts skips its Add-Type when a type of that name exists, so loading
// this first makes the real script read its guards' facts from SessionJanitorWtsFake, which the
// tests fill. The stand-in's public surface must stay the real type's: syntax.Tests.ps1 compares them.
using System;
using System.Collections.Generic;
using System.IO;

public static class SessionJanitorWtsFake {
  // Session ID -> WTS info class -> text, as WTSQuerySessionInformationW would return it.
  public static readonly Dictionary<int, Dictionary<int, string>> Sessions = new Dictionary<int, Dictionary<int, string>>();
  // Session ID -> WTSSessionInfo { State, DisconnectTime, LastInputTime, LogonTime } (UTC FILETIMEs,
  // 0 for none); CurrentTime is this machine's clock, as on Windows.
  public static readonly Dictionary<int, long[]> Infos = new Dictionary<int, long[]>();
  // 0xFFFFFFFF is what WTSGetActiveConsoleSessionId returns while no session is attached to the console.
  public static uint ConsoleSessionId = 0xFFFFFFFF;
  // Every WTS question the script asked, in order ("Exists 2", "Text 2 5", "Info 2", "Console").
  public static readonly List<string> Calls = new List<string>();
  // The fake tools' state directory (HostScript.ps1): a successful logoff.exe or tsdiscon.exe call
  // recorded there ends or disconnects its session before the next WTS question, as on Windows.
  public static string ToolCalls = null;
  // A hung session: the tools exit 0 and Windows changes nothing.
  public static bool Hung = false;
  // WTSEnumerateSessions fails (as the real type would fail to compile where Add-Type is blocked).
  public static bool EnumerationFails = false;
  private static readonly Dictionary<string, int> Applied = new Dictionary<string, int>();

  public static void Reset() {
    Sessions.Clear();
    Infos.Clear();
    Calls.Clear();
    Applied.Clear();
    ConsoleSessionId = 0xFFFFFFFF;
    ToolCalls = null;
    Hung = false;
    EnumerationFails = false;
  }

  // An active session, logged on two hours ago, input just now.
  public static void SetSession(int sessionId, string domain, string user, string station) {
    Dictionary<int, string> info = new Dictionary<int, string>();
    info[SessionJanitorWts.DomainName] = domain;
    info[SessionJanitorWts.UserName] = user;
    info[SessionJanitorWts.WinStationName] = station;
    Sessions[sessionId] = info;
    DateTime now = DateTime.UtcNow;
    Infos[sessionId] = new long[] { 0, 0, now.ToFileTimeUtc(), now.AddHours(-2).ToFileTimeUtc() };
  }

  // State (WTS_CONNECTSTATE_CLASS) and times; DateTime.MinValue is "Windows holds none" (0).
  public static void SetInfo(int sessionId, int state, DateTime logonUtc, DateTime lastInputUtc, DateTime disconnectUtc) {
    Infos[sessionId] = new long[] { state, FileTime(disconnectUtc), FileTime(lastInputUtc), FileTime(logonUtc) };
  }

  private static long FileTime(DateTime utc) {
    return utc == DateTime.MinValue ? 0 : utc.ToFileTimeUtc();
  }

  internal static void ApplyToolCalls() {
    if (ToolCalls == null) { return; }
    foreach (string tool in new string[] { "logoff.exe", "tsdiscon.exe" }) {
      string calls = Path.Combine(Path.Combine(ToolCalls, tool), "calls");
      if (!Directory.Exists(calls)) { continue; }
      string[] files = Directory.GetFiles(calls);
      Array.Sort(files, StringComparer.Ordinal);
      int done;
      Applied.TryGetValue(tool, out done);
      Applied[tool] = files.Length;
      string exitFile = Path.Combine(Path.Combine(ToolCalls, tool), "exitcode");
      if (Hung || (File.Exists(exitFile) && File.ReadAllText(exitFile).Trim() != "0")) { continue; }
      for (int i = done; i < files.Length; i++) {
        int id;
        if (!int.TryParse(File.ReadAllText(files[i]).Split('\0')[0], out id) || !Sessions.ContainsKey(id)) { continue; }
        if (tool == "logoff.exe") {
          Sessions.Remove(id);
          Infos.Remove(id);
        } else if (Infos.ContainsKey(id) && Infos[id][0] != 4) {
          Infos[id][0] = 4;
          Infos[id][1] = DateTime.UtcNow.ToFileTimeUtc();
          Sessions[id][SessionJanitorWts.WinStationName] = "";
        }
      }
    }
  }
}

public static class SessionJanitorWts {
  public const int UserName = 5;
  public const int WinStationName = 6;
  public const int DomainName = 7;
  public const int ConnectState = 8;
  public const int SessionInfo = 24;

  public static long[] Info(int sessionId) {
    SessionJanitorWtsFake.ApplyToolCalls();
    SessionJanitorWtsFake.Calls.Add("Info " + sessionId);
    long[] info;
    if (!SessionJanitorWtsFake.Sessions.ContainsKey(sessionId) || !SessionJanitorWtsFake.Infos.TryGetValue(sessionId, out info)) { return null; }
    return new long[] { info[0], info[1], info[2], info[3], DateTime.UtcNow.ToFileTimeUtc() };
  }

  public static int[] SessionIds() {
    SessionJanitorWtsFake.ApplyToolCalls();
    SessionJanitorWtsFake.Calls.Add("SessionIds");
    if (SessionJanitorWtsFake.EnumerationFails) { throw new InvalidOperationException("The RPC server is unavailable."); }
    List<int> ids = new List<int>(SessionJanitorWtsFake.Sessions.Keys);
    ids.Sort();
    return ids.ToArray();
  }

  public static bool Exists(int sessionId) {
    SessionJanitorWtsFake.ApplyToolCalls();
    SessionJanitorWtsFake.Calls.Add("Exists " + sessionId);
    return SessionJanitorWtsFake.Sessions.ContainsKey(sessionId);
  }

  public static string Text(int sessionId, int infoClass) {
    SessionJanitorWtsFake.ApplyToolCalls();
    SessionJanitorWtsFake.Calls.Add("Text " + sessionId + " " + infoClass);
    Dictionary<int, string> info;
    string value;
    // The real call fails (null) for a session that is gone; a class it holds no text for is "".
    if (!SessionJanitorWtsFake.Sessions.TryGetValue(sessionId, out info)) { return null; }
    return info.TryGetValue(infoClass, out value) ? value : "";
  }

  public static uint WTSGetActiveConsoleSessionId() {
    SessionJanitorWtsFake.Calls.Add("Console");
    return SessionJanitorWtsFake.ConsoleSessionId;
  }
}
