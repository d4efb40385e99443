# Runs the SessionJanitor-InstallWatcher document's REAL script (its runCommand lines, as the SSM
# agent writes them to a .ps1 file) and the watcher it installs, inside this PowerShell process,
# with the Windows side replaced:
# - %ProgramData% and %SystemRoot%: temporary directories; icacls.exe a fake that records its argv
#   (HostScript.ps1's fakes);
# - the ScheduledTasks cmdlets, Get-WinEvent and AWS Tools' Write-EVBEvent: global stand-ins with
#   the real parameter lists that record their calls; Get-WinEvent answers from a fake log of
#   records the test adds (synthetic, in the shape of windows-facts.md section 15: System with
#   EventRecordID and TimeCreated, UserData/EventXML with User and SessionID for 24, Session and
#   Reason for 40);
# - Amazon.EventBridge.Model.PutEventsRequestEntry: a stand-in with the SDK type's properties, so
#   that the entry the watcher passes binds to -Entry as it would on Windows.
# Dot-source it in BeforeAll (after HostScript.ps1).
Set-StrictMode -Version Latest

$script:WatcherDocumentPath = Join-Path $RepoRoot 'cdk/document/session-janitor-install-watcher.json'
$script:LsmLog = 'Microsoft-Windows-TerminalServices-LocalSessionManager/Operational'

function Get-WatcherDocument {
  return (Get-Content -LiteralPath $WatcherDocumentPath -Raw | ConvertFrom-Json)
}

function Get-InstallScriptText {
  return (@((Get-WatcherDocument).mainSteps[0].inputs.runCommand) -join "`n")
}

if (-not ('Amazon.EventBridge.Model.PutEventsRequestEntry' -as [type])) {
  Add-Type -TypeDefinition @'
namespace Amazon.EventBridge.Model {
  public class PutEventsRequestEntry {
    public string Detail { get; set; }
    public string DetailType { get; set; }
    public string EventBusName { get; set; }
    public System.Collections.Generic.List<string> Resources { get; set; }
    public string Source { get; set; }
    public System.DateTime Time { get; set; }
    public string TraceHeader { get; set; }
  }
}
'@
}

$global:WatcherFake = @{ Log = @(); Queries = @(); Puts = @(); Answers = @(); Tasks = @(); Unregistered = @() }

function Reset-WatcherFake {
  $global:WatcherFake = @{ Log = @(); Queries = @(); Puts = @(); Answers = @(); Tasks = @(); Unregistered = @() }
}

function global:Get-WinEvent {
  # The parameters of the LogName set the watcher uses; answers newest first, as Get-WinEvent does.
  [CmdletBinding()]
  param(
    [Parameter(Position = 0)][string[]]$LogName,
    [long]$MaxEvents = -1,
    [string]$FilterXPath,
    [switch]$Force,
    [switch]$Oldest
  )
  $global:WatcherFake.Queries += , @($LogName[0], $FilterXPath, $MaxEvents)
  $found = @($global:WatcherFake.Log | Where-Object { $_.Log -ceq $LogName[0] -and (Test-FakeQuery $_ $FilterXPath) } | Sort-Object RecordId -Descending)
  if ($MaxEvents -gt 0) { $found = @($found | Select-Object -First $MaxEvents) }
  if ($found.Count -eq 0) {
    Write-Error -Message 'No events were found that match the specified selection criteria.' -Category ObjectNotFound -ErrorId 'NoMatchingEventsFound,Microsoft.PowerShell.Commands.GetWinEventCommand'
    return
  }
  return $found
}

function Test-FakeQuery($Record, [string]$Query) {
  # The three query shapes the watcher sends; anything else matches nothing (and fails the test).
  $byRecord = [regex]::Match($Query, '\A\*\[System\[\(EventRecordID=([0-9]+)\)\]\]\z')
  if ($byRecord.Success) { return [string]$Record.RecordId -eq $byRecord.Groups[1].Value }
  $bySession = [regex]::Match($Query, '\A\*\[System\[\(EventID=(24|40)\)\]\] and \*\[UserData\[EventXML\[\((SessionID|Session)=([0-9]+)\)\]\]\]\z')
  if ($bySession.Success) {
    return [string]$Record.EventId -eq $bySession.Groups[1].Value -and $Record.Fields[$bySession.Groups[2].Value] -eq $bySession.Groups[3].Value
  }
  throw "unexpected query $Query"
}

function Add-LsmRecord {
  # One record of the fake LocalSessionManager/Operational log (synthetic; see the header).
  param(
    [Parameter(Mandatory)][int]$EventId,
    [Parameter(Mandatory)][long]$RecordId,
    [Parameter(Mandatory)][string]$Time,
    [Parameter(Mandatory)][System.Collections.IDictionary]$Fields,
    [string]$Provider = 'Microsoft-Windows-TerminalServices-LocalSessionManager',
    [string]$Channel = $LsmLog,
    [string]$XmlRecordId = ''
  )
  if ($XmlRecordId -eq '') { $XmlRecordId = [string]$RecordId }
  $data = @($Fields.Keys | ForEach-Object { "<$_>$([Security.SecurityElement]::Escape([string]$Fields[$_]))</$_>" }) -join ''
  $xml = "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='$Provider' Guid='{5d896912-022d-40aa-a3a8-4fa5515c76d7}'/><EventID>$EventId</EventID><Version>0</Version><Level>4</Level><Task>0</Task><Opcode>0</Opcode><Keywords>0x1000000000000000</Keywords><TimeCreated SystemTime='$Time'/><EventRecordID>$([Security.SecurityElement]::Escape($XmlRecordId))</EventRecordID><Correlation ActivityID='{f4805a43-1c3e-4d0a-b2a6-4c71aa3e0000}'/><Execution ProcessID='1204' ThreadID='2316'/><Channel>$Channel</Channel><Computer>RDSH-01.contoso.local</Computer><Security UserID='S-1-5-18'/></System><UserData><EventXML xmlns='Event_NS'>$data</EventXML></UserData></Event>"
  $record = [pscustomobject]@{ Log = $LsmLog; EventId = $EventId; RecordId = $RecordId; Fields = $Fields; Xml = $xml }
  $record | Add-Member -MemberType ScriptMethod -Name ToXml -Value { return $this.Xml }
  $global:WatcherFake.Log += $record
}

function global:Write-EVBEvent {
  # AWS.Tools.EventBridge's Write-EVBEvent (PutEvents): records the entries; answers the next of
  # WatcherFake.Answers ('ok', an ErrorCode, or 'throw'), 'ok' when none is left.
  [CmdletBinding(SupportsShouldProcess = $true, ConfirmImpact = 'Medium')]
  param(
    [Parameter(Position = 0, ValueFromPipeline = $true)][Amazon.EventBridge.Model.PutEventsRequestEntry[]]$Entry,
    [string]$EndpointId,
    [string]$Select,
    [switch]$PassThru,
    [switch]$Force,
    [string]$Region,
    [string]$ProfileName,
    [string]$EndpointUrl
  )
  $answer = 'ok'
  if ($global:WatcherFake.Answers.Count -gt 0) {
    $answer = $global:WatcherFake.Answers[0]
    $global:WatcherFake.Answers = @($global:WatcherFake.Answers | Select-Object -Skip 1)
  }
  $global:WatcherFake.Puts += , @{ Entry = $Entry; Region = $Region; Answer = $answer }
  if ($answer -eq 'throw') { throw 'Unable to get IAM security credentials from EC2 Instance Metadata Service.' }
  if ($answer -eq 'ok') {
    return [pscustomobject]@{ FailedEntryCount = 0; Entries = @([pscustomobject]@{ EventId = '11710aed-b79e-4468-a20b-bb3c0c3b4860'; ErrorCode = $null; ErrorMessage = $null }) }
  }
  return [pscustomobject]@{ FailedEntryCount = 1; Entries = @([pscustomobject]@{ EventId = $null; ErrorCode = $answer; ErrorMessage = 'synthetic' }) }
}

function global:Get-ScheduledTask {
  [CmdletBinding()]
  param([Parameter(Position = 0)][string[]]$TaskName, [Parameter(Position = 1)][string[]]$TaskPath)
  $found = @($global:WatcherFake.Tasks | Where-Object { $TaskName -contains $_.TaskName -and $TaskPath -contains $_.TaskPath })
  if ($found.Count -eq 0) {
    Write-Error -Message "No MSFT_ScheduledTask objects found with property 'TaskName' equal to '$TaskName'.  Verify the value of the property and retry." -Category ObjectNotFound -ErrorId 'CmdletizationQuery_NotFound_TaskName,Get-ScheduledTask'
    return
  }
  return $found
}

function global:Register-ScheduledTask {
  [CmdletBinding(DefaultParameterSetName = 'Xml')]
  param(
    [Parameter(Mandatory, Position = 0)][string]$TaskName,
    [Parameter(Position = 1)][string]$TaskPath,
    [Parameter(ParameterSetName = 'Xml', Mandatory)][string]$Xml,
    [string]$User,
    [string]$Password,
    [switch]$Force
  )
  $existing = @($global:WatcherFake.Tasks | Where-Object { $_.TaskName -eq $TaskName -and $_.TaskPath -eq $TaskPath })
  if ($existing.Count -gt 0 -and -not $Force) { throw 'Cannot create a file when that file already exists.' }
  $task = [pscustomobject]@{ TaskName = $TaskName; TaskPath = $TaskPath; Xml = $Xml; Forced = [bool]$Force }
  $global:WatcherFake.Tasks = @($global:WatcherFake.Tasks | Where-Object { -not ($_.TaskName -eq $TaskName -and $_.TaskPath -eq $TaskPath) }) + $task
  return $task
}

function global:Unregister-ScheduledTask {
  [CmdletBinding(SupportsShouldProcess = $true, ConfirmImpact = 'High')]
  param([Parameter(Position = 0)][string[]]$TaskName, [Parameter(Position = 1)][string[]]$TaskPath)
  $global:WatcherFake.Unregistered += , @($TaskName[0], $TaskPath[0])
  $global:WatcherFake.Tasks = @($global:WatcherFake.Tasks | Where-Object { -not ($TaskName -contains $_.TaskName -and $TaskPath -contains $_.TaskPath) })
}

$script:InstallScriptPath = Join-Path ([IO.Path]::GetTempPath()) ('sj-install-watcher-' + [guid]::NewGuid().ToString('N') + '.ps1')
[IO.File]::WriteAllText($InstallScriptPath, (Get-InstallScriptText))

function Invoke-Captured([scriptblock]$Run) {
  # stdout and stderr as the agent or the task would capture them, and the exit code.
  $stdout = [IO.StringWriter]::new()
  $stderr = [IO.StringWriter]::new()
  $savedOut = [Console]::Out
  $savedErr = [Console]::Error
  $global:LASTEXITCODE = -424242
  $escaped = $null
  $streamed = @()
  try {
    [Console]::SetOut($stdout)
    [Console]::SetError($stderr)
    $streamed = @(& $Run *>&1)
  } catch {
    $escaped = $_
  } finally {
    [Console]::SetOut($savedOut)
    [Console]::SetError($savedErr)
  }
  if ($null -ne $escaped) { throw "The script let an error escape: $escaped" }
  if ($global:LASTEXITCODE -eq -424242) { throw 'The script ended without exit.' }
  return [pscustomobject]@{
    ExitCode = $global:LASTEXITCODE
    Stdout = $stdout.ToString() + (@($streamed | ForEach-Object { [string]$_ + "`n" }) -join '')
    Stderr = $stderr.ToString()
  }
}

function Invoke-InstallWatcher {
  # The document run as the agent runs it: SSM_<Name> for every non-empty parameter.
  param([Parameter(Mandatory)][hashtable]$Parameters)
  $names = @((Get-WatcherDocument).parameters.PSObject.Properties | ForEach-Object { $_.Name })
  foreach ($key in $Parameters.Keys) { if ($names -notcontains $key) { throw "The document has no parameter $key" } }
  $saved = @{}
  foreach ($name in $names) {
    $saved[$name] = [Environment]::GetEnvironmentVariable("SSM_$name")
    $value = if ($Parameters.ContainsKey($name)) { [string]$Parameters[$name] } else { '' }
    if ($value.Length -eq 0) { $value = $null }
    [Environment]::SetEnvironmentVariable("SSM_$name", $value)
  }
  try {
    return Invoke-Captured { & $InstallScriptPath }
  } finally {
    foreach ($name in $names) { [Environment]::SetEnvironmentVariable("SSM_$name", $saved[$name]) }
  }
}

function Get-WatcherRoot {
  return (Join-Path (Join-Path $env:ProgramData 'SessionJanitor') 'Watcher')
}

function Invoke-Watcher([string]$RecordId) {
  # What the task starts: the installed watcher.ps1 with the record's EventRecordID.
  $path = Join-Path (Get-WatcherRoot) 'watcher.ps1'
  return Invoke-Captured { & $path -RecordId $RecordId }
}

function Set-WatcherSetting([string]$Name, $Value) {
  $path = Join-Path (Get-WatcherRoot) 'watcher.json'
  $settings = Get-Content -LiteralPath $path -Raw | ConvertFrom-Json
  $settings.$Name = $Value
  [IO.File]::WriteAllText($path, (ConvertTo-Json -InputObject $settings))
}
