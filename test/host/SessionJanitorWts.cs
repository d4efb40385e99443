// Stand-in for the script's SessionJanitorWts type (the WTS API through P/Invoke, which Linux
// lacks). The script's Initialize-Wts skips its Add-Type when a type of that name exists, so loading
// this first makes the real script read its guards' facts from SessionJanitorWtsFake, which the
// tests fill. The stand-in's public surface must stay the real type's: wts.Tests.ps1 compares them.
using System.Collections.Generic;

public static class SessionJanitorWtsFake {
  // Session ID -> WTS info class -> text, as WTSQuerySessionInformationW would return it.
  public static readonly Dictionary<int, Dictionary<int, string>> Sessions = new Dictionary<int, Dictionary<int, string>>();
  // 0xFFFFFFFF is what WTSGetActiveConsoleSessionId returns while no session is attached to the console.
  public static uint ConsoleSessionId = 0xFFFFFFFF;
  // Every WTS question the script asked, in order ("Exists 2", "Text 2 5", "Console").
  public static readonly List<string> Calls = new List<string>();

  public static void Reset() {
    Sessions.Clear();
    Calls.Clear();
    ConsoleSessionId = 0xFFFFFFFF;
  }

  public static void SetSession(int sessionId, string domain, string user, string station) {
    Dictionary<int, string> info = new Dictionary<int, string>();
    info[SessionJanitorWts.DomainName] = domain;
    info[SessionJanitorWts.UserName] = user;
    info[SessionJanitorWts.WinStationName] = station;
    Sessions[sessionId] = info;
  }
}

public static class SessionJanitorWts {
  public const int UserName = 5;
  public const int WinStationName = 6;
  public const int DomainName = 7;
  public const int ConnectState = 8;

  public static bool Exists(int sessionId) {
    SessionJanitorWtsFake.Calls.Add("Exists " + sessionId);
    return SessionJanitorWtsFake.Sessions.ContainsKey(sessionId);
  }

  public static string Text(int sessionId, int infoClass) {
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
