# The Windows side of one simulated host, for the document's real script under pwsh
# (`npm start -- --host-script pwsh`). Everything here answers from the fleet's state through the
# host bridge (local/host-script/bridge.ts), at the moment of each call:
#   - SessionJanitorWts, the WTS type the script would otherwise compile with Add-Type;
#   - Get-SmbSession, Get-SmbOpenFile, Close-SmbSession, Close-SmbOpenFile;
#   - Get-WSManInstance and Remove-WSManInstance (shells), Get-CimInstance (Win32_Process);
#   - Get-Date (the host's clock) and the current culture (the host's locale and patterns).
# The System32 tools are real processes ($env:SystemRoot\System32\*.exe, windows-tool.cjs).
# Then it runs the script as SSM does: its parameters are already in the SSM_* variables.
param([Parameter(Mandatory = $true)][string]$ScriptPath)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

class SessionJanitorBridge {
  static [System.Net.Http.HttpClient] $Client
  static [string] $Url
  static [string] $Invocation

  static [object] Call([string]$Name, [hashtable]$Arguments) {
    $body = ConvertTo-Json -InputObject @{ invocation = [SessionJanitorBridge]::Invocation; call = $Name; args = $Arguments } -Compress -Depth 5
    $content = [System.Net.Http.StringContent]::new($body, [System.Text.Encoding]::UTF8, 'application/json')
    $response = [SessionJanitorBridge]::Client.PostAsync([SessionJanitorBridge]::Url, $content).GetAwaiter().GetResult()
    $text = $response.Content.ReadAsStringAsync().GetAwaiter().GetResult()
    if (-not $response.IsSuccessStatusCode) { throw ('host bridge: ' + $Name + ': ' + $text) }
    return (ConvertFrom-Json -InputObject $text).result
  }
}
[SessionJanitorBridge]::Url = $env:SESSION_JANITOR_BRIDGE
[SessionJanitorBridge]::Invocation = $env:SESSION_JANITOR_INVOCATION
[SessionJanitorBridge]::Client = [System.Net.Http.HttpClient]::new()
[SessionJanitorBridge]::Client.Timeout = [TimeSpan]::FromSeconds(30)

# The members of the script's SessionJanitorWts that it calls, with the same signatures.
class SessionJanitorWts {
  static [int] $UserName = 5
  static [int] $WinStationName = 6
  static [int] $DomainName = 7
  static [int] $ConnectState = 8
  static [int] $SessionInfo = 24

  static [bool] Exists([int]$SessionId) {
    return [bool][SessionJanitorBridge]::Call('wts.exists', @{ sessionId = $SessionId })
  }
  static [string] Text([int]$SessionId, [int]$InfoClass) {
    return [SessionJanitorBridge]::Call('wts.text', @{ sessionId = $SessionId; infoClass = $InfoClass })
  }
  static [uint32] WTSGetActiveConsoleSessionId() {
    return [uint32][SessionJanitorBridge]::Call('wts.console', @{})
  }
  static [int[]] SessionIds() {
    return [int[]]@([SessionJanitorBridge]::Call('wts.ids', @{}))
  }
  static [long[]] Info([int]$SessionId) {
    $info = [SessionJanitorBridge]::Call('wts.info', @{ sessionId = $SessionId })
    if ($null -eq $info) { return $null }
    return [long[]]@($info | ForEach-Object { [long]$_ })
  }
}

function New-SmbNotFound([string]$Class, [string]$Property, $Value) {
  # What the CIM cmdlets report for a key that matches nothing: ObjectNotFound.
  $message = 'No ' + $Class + ' objects found with property ''' + $Property + ''' equal to ''' + $Value + '''.  Verify the value of the property and retry.'
  return [System.Management.Automation.ErrorRecord]::new(
    [System.Exception]::new($message),
    ('CmdletizationQuery_NotFound_' + $Property),
    [System.Management.Automation.ErrorCategory]::ObjectNotFound,
    $Value)
}

function ConvertTo-SmbSession($Item) {
  $session = [pscustomobject]@{
    SessionId = [uint64]$Item.SessionId
    ClientComputerName = [string]$Item.ClientComputerName
    ClientUserName = [string]$Item.ClientUserName
    NumOpens = [uint32]$Item.NumOpens
    SecondsIdle = [uint32]$Item.SecondsIdle
    SecondsExists = [uint32]$Item.SecondsExists
    Dialect = [string]$Item.Dialect
  }
  $session.PSObject.TypeNames.Insert(0, 'Microsoft.Management.Infrastructure.CimInstance#ROOT/Microsoft/Windows/SMB/MSFT_SmbSession')
  return $session
}

function ConvertTo-SmbOpenFile($Item) {
  $file = [pscustomobject]@{
    FileId = [uint64]$Item.FileId
    SessionId = [uint64]$Item.SessionId
    Path = [string]$Item.Path
    ShareRelativePath = [string]$Item.ShareRelativePath
    ClientComputerName = $Item.ClientComputerName
    ClientUserName = $Item.ClientUserName
    Locks = [uint32]$Item.Locks
    Permissions = [uint32]$Item.Permissions
  }
  $file.PSObject.TypeNames.Insert(0, 'Microsoft.Management.Infrastructure.CimInstance#ROOT/Microsoft/Windows/SMB/MSFT_SmbOpenFile')
  return $file
}

function Get-SmbSession {
  [CmdletBinding()]
  param([Parameter(Position = 0)][uint64[]]$SessionId)
  $all = @([SessionJanitorBridge]::Call('smb.sessions', @{}) | ForEach-Object { ConvertTo-SmbSession $_ })
  if ($null -eq $SessionId) { return $all }
  foreach ($id in $SessionId) {
    $found = @($all | Where-Object { $_.SessionId -eq $id })
    if ($found.Count -eq 0) { $PSCmdlet.WriteError((New-SmbNotFound 'MSFT_SMBSession' 'SessionId' $id)) }
    $found
  }
}

function Get-SmbOpenFile {
  [CmdletBinding()]
  param([Parameter(Position = 0)][uint64[]]$FileId, [uint64[]]$SessionId)
  $all = @([SessionJanitorBridge]::Call('smb.files', @{}) | ForEach-Object { ConvertTo-SmbOpenFile $_ })
  if ($null -ne $SessionId) { $all = @($all | Where-Object { $SessionId -contains $_.SessionId }) }
  if ($null -eq $FileId) { return $all }
  foreach ($id in $FileId) {
    $found = @($all | Where-Object { $_.FileId -eq $id })
    if ($found.Count -eq 0) { $PSCmdlet.WriteError((New-SmbNotFound 'MSFT_SMBOpenFile' 'FileId' $id)) }
    $found
  }
}

# ConfirmImpact High, as the real cmdlets: without -Force a non-interactive run cannot confirm.
function Close-SmbSession {
  [CmdletBinding(SupportsShouldProcess = $true, ConfirmImpact = 'High')]
  param([Parameter(Position = 0, Mandatory = $true)][uint64[]]$SessionId, [switch]$Force)
  foreach ($id in $SessionId) {
    if (-not ($Force -or $PSCmdlet.ShouldProcess([string]$id, 'Close-SmbSession'))) { continue }
    if (-not [SessionJanitorBridge]::Call('smb.closeSession', @{ sessionId = [string]$id })) {
      $PSCmdlet.WriteError((New-SmbNotFound 'MSFT_SMBSession' 'SessionId' $id))
    }
  }
}

function Close-SmbOpenFile {
  [CmdletBinding(SupportsShouldProcess = $true, ConfirmImpact = 'High')]
  param([Parameter(Position = 0, Mandatory = $true)][uint64[]]$FileId, [switch]$Force)
  foreach ($id in $FileId) {
    if (-not ($Force -or $PSCmdlet.ShouldProcess([string]$id, 'Close-SmbOpenFile'))) { continue }
    if (-not [SessionJanitorBridge]::Call('smb.closeFile', @{ fileId = [string]$id })) {
      $PSCmdlet.WriteError((New-SmbNotFound 'MSFT_SMBOpenFile' 'FileId' $id))
    }
  }
}

$ShellNamespace = 'http://schemas.microsoft.com/wbem/wsman/1/windows/shell'

function Get-WSManInstance {
  # The host's shells as WinRM returns them: one rsp:Shell XmlElement each, a child per field it has.
  [CmdletBinding()]
  param([Parameter(Mandatory = $true, Position = 0)][Uri]$ResourceURI, [switch]$Enumerate)
  if (($ResourceURI.OriginalString -ne 'shell') -or -not $Enumerate) { throw 'the simulated host enumerates shells only' }
  foreach ($item in @([SessionJanitorBridge]::Call('wsman.shells', @{}))) {
    $document = [xml]::new()
    $shell = $document.CreateElement('rsp', 'Shell', $ShellNamespace)
    $null = $shell.SetAttribute('lang', 'http://www.w3.org/XML/1998/namespace', 'en-US')
    foreach ($property in $item.PSObject.Properties) {
      if ($null -eq $property.Value) { continue }
      $child = $document.CreateElement('rsp', $property.Name, $ShellNamespace)
      $child.InnerText = [string]$property.Value
      $null = $shell.AppendChild($child)
    }
    $null = $document.AppendChild($shell)
    $PSCmdlet.WriteObject($document.DocumentElement)
  }
}

function Remove-WSManInstance {
  # No output; a shell that is not there is WinRM's fault 2150858843 (windows-facts section 13.3).
  [CmdletBinding()]
  param([Parameter(Mandatory = $true, Position = 0)][Uri]$ResourceURI, [Parameter(Mandatory = $true, Position = 1)][hashtable]$SelectorSet)
  $id = [string]$SelectorSet['ShellId']
  if ([SessionJanitorBridge]::Call('wsman.remove', @{ shellId = $id })) { return }
  $message = '<f:WSManFault xmlns:f="http://schemas.microsoft.com/wbem/wsman/1/wsmanfault" Code="2150858843" Machine="localhost"><f:Message>The request for the Windows Remote Shell with ShellId ' + $id + ' failed because the shell was not found on the server. Possible causes are: the specified ShellId is incorrect or the shell no longer exists on the server. Provide the correct ShellId or create a new shell and retry the operation. </f:Message></f:WSManFault>'
  $PSCmdlet.WriteError([System.Management.Automation.ErrorRecord]::new(
      [System.InvalidOperationException]::new($message),
      'WsManError,Microsoft.WSMan.Management.RemoveWSManInstanceCommand',
      [System.Management.Automation.ErrorCategory]::InvalidOperation,
      $null))
}

function Get-CimInstance {
  # Win32_Process ProcessId, ParentProcessId and Name; this very process is the script's.
  [CmdletBinding()]
  param([Parameter(Mandatory = $true, Position = 0)][string]$ClassName, [string[]]$Property)
  if ($ClassName -ne 'Win32_Process') { throw ('the simulated host has no CIM class ' + $ClassName) }
  foreach ($item in @([SessionJanitorBridge]::Call('cim.processes', @{ scriptProcessId = $PID }))) {
    [pscustomobject]@{ ProcessId = [uint32]$item.ProcessId; ParentProcessId = [uint32]$item.ParentProcessId; Name = [string]$item.Name }
  }
}

function Get-Date {
  # The host's clock is the fleet's simulated one; local time through TZ, the host's offset.
  [CmdletBinding()]
  param()
  $ms = [long][SessionJanitorBridge]::Call('now', @{})
  return [DateTimeOffset]::FromUnixTimeMilliseconds($ms).UtcDateTime.ToLocalTime()
}

$culture = [System.Globalization.CultureInfo]::new([string]$env:SESSION_JANITOR_CULTURE)
$culture.DateTimeFormat.ShortDatePattern = [string]$env:SESSION_JANITOR_SHORT_DATE
$culture.DateTimeFormat.ShortTimePattern = [string]$env:SESSION_JANITOR_SHORT_TIME
[System.Globalization.CultureInfo]::CurrentCulture = $culture
$languageMode = [string]$env:SESSION_JANITOR_LANGUAGE_MODE
foreach ($name in @('SESSION_JANITOR_CULTURE', 'SESSION_JANITOR_SHORT_DATE', 'SESSION_JANITOR_SHORT_TIME', 'SESSION_JANITOR_LANGUAGE_MODE')) {
  [Environment]::SetEnvironmentVariable($name, $null)
}

# A host whose WDAC or AppLocker policy runs scripts in ConstrainedLanguage mode; the fakes above
# keep the mode they were defined in, as Windows' own cmdlets do.
if ($languageMode -eq 'ConstrainedLanguage') { $ExecutionContext.SessionState.LanguageMode = 'ConstrainedLanguage' }
& $ScriptPath
exit $LASTEXITCODE
