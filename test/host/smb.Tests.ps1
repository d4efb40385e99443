# ListSmbSessions, CloseSmbSession, ListOpenFiles and CloseOpenFile run by the real script against
# Pester mocks of the SmbShare cmdlets (stub functions with the real parameter lists).
BeforeAll {
  . (Join-Path $PSScriptRoot 'HostScript.ps1')
}

Describe 'the SMB operations' {
  BeforeEach {
    $script:root = New-FakeWindows
    # Values from the Get-SmbSession / Get-SmbOpenFile documentation (windows-facts.md section 11.3).
    $script:sessions = @(
      New-SmbSessionObject 8813272891441 '192.168.101.13' 'CONTOSO\alice' 2
      New-SmbSessionObject 8813272891445 '[fe80::c8c0:f65d:3bc6:7313]' 'CONTOSO\alice' 0
      New-SmbSessionObject 8813272891449 '192.168.101.20' 'CONTOSO\bob' 1
      New-SmbSessionObject 8813272891453 'CONTOSO-HV1' 'Contoso\Contoso-HV1$' 4
    )
    Mock Get-SmbSession { $sessions }
    Mock Close-SmbSession {}
    Mock Get-SmbOpenFile {}
    Mock Close-SmbOpenFile {}
  }

  AfterEach {
    Remove-FakeWindows $root
  }

  Describe 'ListSmbSessions' {
    It 'prints every session as a JSON array, IDs as strings, and exits 0' {
      $run = Invoke-OperateScript @{ Operation = 'ListSmbSessions' }
      $run.ExitCode | Should -Be 0
      $run.Envelope.exitCode | Should -Be 0
      $listed = ConvertFrom-Json $run.Envelope.stdout -NoEnumerate
      $listed | Should -HaveCount 4
      $listed[0].SessionId | Should -BeExactly '8813272891441'
      $listed[1].ClientComputerName | Should -BeExactly '[fe80::c8c0:f65d:3bc6:7313]'
      @($listed[0].PSObject.Properties.Name) | Should -Be @('SessionId', 'ClientComputerName', 'ClientUserName', 'NumOpens', 'SecondsIdle', 'SecondsExists', 'Dialect')
      Should -Invoke Get-SmbSession -Times 1 -Exactly -ParameterFilter { $PesterBoundParameters.Count -eq 0 }
      Get-FakeToolsThatRan $root | Should -BeNullOrEmpty
    }

    It 'prints [] when there is no session, and an array of one for one session' {
      Mock Get-SmbSession {}
      (Invoke-OperateScript @{ Operation = 'ListSmbSessions' }).Envelope.stdout | Should -BeExactly '[]'
      Mock Get-SmbSession { $sessions[2] }
      (Invoke-OperateScript @{ Operation = 'ListSmbSessions' }).Envelope.stdout | Should -Match '^\[\{"SessionId":"8813272891449"'
    }

    It 'fails with exit 1 when the cmdlet fails (Server service stopped)' {
      Mock Get-SmbSession { throw [InvalidOperationException]::new('The service has not been started.') }
      $run = Invoke-OperateScript @{ Operation = 'ListSmbSessions' }
      $run.ExitCode | Should -Be 1
      $run.Envelope.exitCode | Should -Be 1
      $run.Envelope.stderr | Should -BeExactly 'The service has not been started.'
    }
  }

  Describe 'CloseSmbSession' {
    It 'closes every session of the user (any domain, any client), each with its own Close-SmbSession -Force' {
      $run = Invoke-OperateScript @{ Operation = 'CloseSmbSession'; UserName = 'ALICE' }
      $run.ExitCode | Should -Be 0
      $run.Envelope.guard | Should -BeNullOrEmpty
      Should -Invoke Close-SmbSession -Times 2 -Exactly
      foreach ($id in @('8813272891441', '8813272891445')) {
        Should -Invoke Close-SmbSession -Times 1 -Exactly -ParameterFilter {
          ($SessionId -join ',') -eq $id -and $SessionId -is [uint64[]] -and $Force -and
          $PesterBoundParameters.ContainsKey('ErrorAction') -and -not $PesterBoundParameters.ContainsKey('ClientUserName')
        }
      }
      @((ConvertFrom-Json $run.Envelope.stdout -NoEnumerate).SessionId) | Should -Be @('8813272891441', '8813272891445')
      Should -Invoke Get-SmbSession -Times 1 -Exactly -ParameterFilter { $PesterBoundParameters.Count -eq 0 }
    }

    It 'matches a user name with an apostrophe (O''Brien) as plain text' {
      Mock Get-SmbSession { New-SmbSessionObject 8813272891461 '192.168.101.31' 'CONTOSO\O''Brien' 1 }
      Test-DocumentPattern 'UserName' 'o''brien' | Should -BeTrue
      $run = Invoke-OperateScript @{ Operation = 'CloseSmbSession'; UserName = 'o''brien' }
      $run.ExitCode | Should -Be 0
      Should -Invoke Close-SmbSession -Times 1 -Exactly -ParameterFilter { ($SessionId -join ',') -eq '8813272891461' }
    }

    It 'matches DOMAIN\user only in that domain, and a machine account with its $' {
      $run = Invoke-OperateScript @{ Operation = 'CloseSmbSession'; UserName = 'FABRIKAM\alice' }
      $run.ExitCode | Should -Be 25
      $run = Invoke-OperateScript @{ Operation = 'CloseSmbSession'; UserName = 'contoso\contoso-hv1$' }
      $run.ExitCode | Should -Be 0
      Should -Invoke Close-SmbSession -Times 1 -Exactly -ParameterFilter { ($SessionId -join ',') -eq '8813272891453' }
    }

    It 'matches an IPv6 client given without its brackets' {
      $run = Invoke-OperateScript @{ Operation = 'CloseSmbSession'; ClientName = 'FE80::C8C0:F65D:3BC6:7313' }
      $run.ExitCode | Should -Be 0
      Should -Invoke Close-SmbSession -Times 1 -Exactly -ParameterFilter { ($SessionId -join ',') -eq '8813272891445' }
    }

    It 'needs both to match when client and user are given' {
      $run = Invoke-OperateScript @{ Operation = 'CloseSmbSession'; ClientName = '192.168.101.20'; UserName = 'alice' }
      $run.ExitCode | Should -Be 25
      $run = Invoke-OperateScript @{ Operation = 'CloseSmbSession'; ClientName = '192.168.101.13'; UserName = 'CONTOSO\alice' }
      $run.ExitCode | Should -Be 0
      Should -Invoke Close-SmbSession -Times 1 -Exactly -ParameterFilter { ($SessionId -join ',') -eq '8813272891441' }
    }

    It 'refuses with smb-session-not-found (25) when no session matches, and closes nothing' {
      $run = Invoke-OperateScript @{ Operation = 'CloseSmbSession'; UserName = 'carol' }
      $run.ExitCode | Should -Be 25
      $run.Envelope.exitCode | Should -Be 25
      $run.Envelope.guard.code | Should -BeExactly 'smb-session-not-found'
      Should -Invoke Close-SmbSession -Times 0 -Exactly
    }

    It 'succeeds when a session ended between the listing and the close (ObjectNotFound), and reports only what it closed' {
      Mock Close-SmbSession { Write-Error -ErrorRecord (New-SmbNotFoundError 'MSFT_SmbSession' 'SessionId' '8813272891441') } -ParameterFilter { $SessionId[0] -eq 8813272891441 }
      $run = Invoke-OperateScript @{ Operation = 'CloseSmbSession'; UserName = 'alice' }
      $run.ExitCode | Should -Be 0
      $run.Envelope.stderr | Should -BeExactly ''
      @((ConvertFrom-Json $run.Envelope.stdout -NoEnumerate).SessionId) | Should -Be @('8813272891445')
    }

    It 'ends every user''s session from a client named alone (NetSessionDel), and names each user it cut off' {
      $script:sessions += New-SmbSessionObject 8813272891461 '192.168.101.13' 'CONTOSO\carol' 1
      $run = Invoke-OperateScript @{ Operation = 'CloseSmbSession'; ClientName = '192.168.101.13' }
      $run.ExitCode | Should -Be 0
      $closed = ConvertFrom-Json $run.Envelope.stdout -NoEnumerate
      @($closed.ClientUserName) | Should -Be @('CONTOSO\alice', 'CONTOSO\carol')
      @($closed.SessionId) | Should -Be @('8813272891441', '8813272891461')
      Should -Invoke Close-SmbSession -Times 2 -Exactly
    }

    It 'fails with exit 1 on any other close error, reporting the sessions it had closed before' {
      Mock Close-SmbSession { Write-Error -Message 'Access denied' -Category PermissionDenied } -ParameterFilter { $SessionId[0] -eq 8813272891445 }
      $run = Invoke-OperateScript @{ Operation = 'CloseSmbSession'; UserName = 'alice' }
      $run.ExitCode | Should -Be 1
      $run.Envelope.stderr | Should -BeExactly 'Access denied'
      @((ConvertFrom-Json $run.Envelope.stdout -NoEnumerate).SessionId) | Should -Be @('8813272891441')
    }

    It 'refuses to run without ClientName or UserName (exit 2): it never closes every session' {
      $run = Invoke-OperateScript @{ Operation = 'CloseSmbSession' }
      $run.ExitCode | Should -Be 2
      Should -Invoke Get-SmbSession -Times 0 -Exactly
      Should -Invoke Close-SmbSession -Times 0 -Exactly
    }

    It 'takes <name> <value> literally (the document refuses it): no wildcard closes anything' -ForEach @(
      @{ name = 'UserName'; value = '*' }
      @{ name = 'UserName'; value = 'CONTOSO\*' }
      @{ name = 'UserName'; value = 'ali?e' }
      @{ name = 'ClientName'; value = '*' }
      @{ name = 'ClientName'; value = '192.168.101.*' }
    ) {
      Test-DocumentPattern $name $value | Should -BeFalse
      $run = Invoke-OperateScript @{ Operation = 'CloseSmbSession'; $name = $value }
      $run.ExitCode | Should -Be 25
      Should -Invoke Close-SmbSession -Times 0 -Exactly
    }
  }

  Describe 'ListOpenFiles' {
    It 'prints every open file, IDs as strings even beyond 2^53, and exits 0' {
      Mock Get-SmbOpenFile {
        New-SmbOpenFileObject 4415226383569 8813272891441 'C:\ClusterStorage\Volume2\VMS\VM4.VHDX' 'CONTOSO\alice'
        New-SmbOpenFileObject 18446744073709551615 8813272891449 'D:\Shares\Finance\Q3.xlsx' 'CONTOSO\bob'
      }
      $run = Invoke-OperateScript @{ Operation = 'ListOpenFiles' }
      $run.ExitCode | Should -Be 0
      $listed = ConvertFrom-Json $run.Envelope.stdout -NoEnumerate
      @($listed.FileId) | Should -Be @('4415226383569', '18446744073709551615')
      $listed[1].SessionId | Should -BeExactly '8813272891449'
      @($listed[0].PSObject.Properties.Name) | Should -Be @('FileId', 'SessionId', 'Path', 'ShareRelativePath', 'ClientComputerName', 'ClientUserName', 'Locks', 'Permissions')
      Should -Invoke Get-SmbOpenFile -Times 1 -Exactly -ParameterFilter { $PesterBoundParameters.Count -eq 0 }
    }

    It 'lists a busy server a page at a time: whole JSON within the envelope, by FileId, with what comes next' {
      # Paths with the characters that escape longest (& and ' in Windows PowerShell 5.1, non-ASCII).
      $script:busy = @(for ($i = 600; $i -ge 1; $i--) {
          New-SmbOpenFileObject ([uint64]4415226383000 + $i) 8813272891441 ("D:\Shares\R&D\O'Brien Übersicht " + $i + '.xlsx') 'CONTOSO\alice'
        })
      Mock Get-SmbOpenFile { $busy }
      $listed = @()
      $after = ''
      $pages = 0
      do {
        $run = Invoke-OperateScript @{ Operation = 'ListOpenFiles'; AfterFileId = $after }
        $run.ExitCode | Should -Be 0
        $run.Envelope.stdoutTruncated | Should -BeFalse
        $run.EnvelopeText.Length | Should -BeLessOrEqual 20000
        $page = @(ConvertFrom-Json $run.Envelope.stdout)
        $listed += $page
        $pages++
        if ($null -ne $run.Envelope.next) {
          $run.Envelope.next.afterFileId | Should -BeExactly $page[-1].FileId
          $run.Envelope.next.remaining | Should -Be (600 - $listed.Count)
          $after = $run.Envelope.next.afterFileId
        }
      } while ($null -ne $run.Envelope.next)
      $pages | Should -BeGreaterThan 5
      @($listed.FileId) | Should -Be @(1..600 | ForEach-Object { [string]([uint64]4415226383000 + $_) })
      $listed[0].Path | Should -BeExactly "D:\Shares\R&D\O'Brien Übersicht 1.xlsx"
    }

    It 'lists only the files at PathFilter, compared as a string (case-insensitive), never as a wildcard' {
      Mock Get-SmbOpenFile {
        New-SmbOpenFileObject 7 1 'D:\Shares\Finance\Q3.xlsx' 'CONTOSO\alice'
        New-SmbOpenFileObject 5 2 'D:\Shares\FINANCE\q3.XLSX' 'CONTOSO\bob'
        New-SmbOpenFileObject 6 2 'D:\Shares\Finance\Q3.xlsx.bak' 'CONTOSO\bob'
        New-SmbOpenFileObject 8 3 'D:\Shares\Finance\Q4.xlsx' 'CONTOSO\carol'
      }
      $run = Invoke-OperateScript @{ Operation = 'ListOpenFiles'; PathFilter = 'd:\shares\finance\q3.xlsx' }
      @((ConvertFrom-Json $run.Envelope.stdout -NoEnumerate).FileId) | Should -Be @('5', '7')
      $run.Envelope.next | Should -BeNullOrEmpty
      Should -Invoke Get-SmbOpenFile -Times 1 -Exactly -ParameterFilter { $PesterBoundParameters.Count -eq 0 }
      # [34] is a character class to -like and admitted by the document: here it is two characters.
      Test-DocumentPattern 'PathFilter' 'D:\Shares\Finance\Q[34].xlsx' | Should -BeTrue
      (Invoke-OperateScript @{ Operation = 'ListOpenFiles'; PathFilter = 'D:\Shares\Finance\Q[34].xlsx' }).Envelope.stdout | Should -BeExactly '[]'
      Test-DocumentPattern 'PathFilter' 'D:\Shares\*' | Should -BeFalse
      (Invoke-OperateScript @{ Operation = 'ListOpenFiles'; PathFilter = 'D:\Shares\*' }).Envelope.stdout | Should -BeExactly '[]'
    }

    It 'refuses AfterFileId <value> and PathFilter <path> it cannot read (envelope exit 2) before any cmdlet runs' -ForEach @(
      @{ value = '-1'; path = '' }
      @{ value = '18446744073709551616'; path = '' }
      @{ value = '0x10'; path = '' }
      @{ value = ''; path = 'Shares\Finance\Q3.xlsx' }
      @{ value = ''; path = "D:\Shares\Q3.xlsx`r`nD:\x" }
    ) {
      $run = Invoke-OperateScript @{ Operation = 'ListOpenFiles'; AfterFileId = $value; PathFilter = $path }
      $run.ExitCode | Should -Be 0
      $run.Envelope.exitCode | Should -Be 2
      $run.Envelope.stdout | Should -BeExactly ''
      Should -Invoke Get-SmbOpenFile -Times 0 -Exactly
    }
  }

  Describe 'CloseOpenFile' {
    BeforeEach {
      Mock Get-SmbOpenFile { New-SmbOpenFileObject $FileId[0] 8813272891441 'D:\Shares\Finance\Q3.xlsx' 'CONTOSO\alice' }
    }

    It 'looks the file up by ID, checks its path (case-insensitively) and closes that ID with -Force' {
      $run = Invoke-OperateScript @{ Operation = 'CloseOpenFile'; FileId = '4415226383569'; ExpectedPath = 'd:\shares\finance\q3.XLSX' }
      $run.ExitCode | Should -Be 0
      $run.Envelope.guard | Should -BeNullOrEmpty
      Should -Invoke Get-SmbOpenFile -Times 1 -Exactly -ParameterFilter {
        $FileId.Count -eq 1 -and $FileId[0] -eq [uint64]4415226383569 -and $PesterBoundParameters.ContainsKey('ErrorAction')
      }
      Should -Invoke Close-SmbOpenFile -Times 1 -Exactly -ParameterFilter {
        $FileId.Count -eq 1 -and $FileId[0] -eq [uint64]4415226383569 -and $Force -and -not $PesterBoundParameters.ContainsKey('SessionId')
      }
      (ConvertFrom-Json $run.Envelope.stdout -NoEnumerate)[0].Path | Should -BeExactly 'D:\Shares\Finance\Q3.xlsx'
    }

    It 'keeps a FileId of 2^64-1 exact all the way to Close-SmbOpenFile' {
      $run = Invoke-OperateScript @{ Operation = 'CloseOpenFile'; FileId = '18446744073709551615'; ExpectedPath = 'D:\Shares\Finance\Q3.xlsx' }
      $run.ExitCode | Should -Be 0
      Should -Invoke Close-SmbOpenFile -Times 1 -Exactly -ParameterFilter { $FileId[0] -eq [uint64]::MaxValue }
    }

    It 'refuses with file-not-found (23) when the file is closed already, and closes nothing' {
      Mock Get-SmbOpenFile { Write-Error -ErrorRecord (New-SmbNotFoundError 'MSFT_SmbOpenFile' 'FileId' ([string]$FileId[0])) }
      $run = Invoke-OperateScript @{ Operation = 'CloseOpenFile'; FileId = '4415226383569'; ExpectedPath = 'D:\Shares\Finance\Q3.xlsx' }
      $run.ExitCode | Should -Be 23
      $run.Envelope.guard.code | Should -BeExactly 'file-not-found'
      $run.Envelope.guard.message | Should -BeExactly 'No open file has ID 4415226383569.'
      Should -Invoke Close-SmbOpenFile -Times 0 -Exactly
    }

    It 'refuses with path-mismatch (24) when the ID now holds another file, and closes nothing' {
      $run = Invoke-OperateScript @{ Operation = 'CloseOpenFile'; FileId = '4415226383569'; ExpectedPath = 'D:\Shares\Finance\Q4.xlsx' }
      $run.ExitCode | Should -Be 24
      $run.Envelope.guard.code | Should -BeExactly 'path-mismatch'
      $run.Envelope.guard.message | Should -BeExactly 'Open file 4415226383569 is D:\Shares\Finance\Q3.xlsx, not the expected path.'
      Should -Invoke Close-SmbOpenFile -Times 0 -Exactly
    }

    It 'keeps a 32,767-character path out of the envelope: the guard message stops at 1000' {
      $long = 'D:\' + ('d' * 32763)
      Mock Get-SmbOpenFile { New-SmbOpenFileObject $FileId[0] 1 $long 'CONTOSO\alice' }
      $run = Invoke-OperateScript @{ Operation = 'CloseOpenFile'; FileId = '7'; ExpectedPath = 'D:\other.txt' }
      $run.ExitCode | Should -Be 24
      $run.Envelope.guard.message.Length | Should -Be 1000
      $run.EnvelopeText.Length | Should -BeLessThan 3000
    }

    It 'takes a wildcard path literally (the document refuses it), and closes nothing' {
      Test-DocumentPattern 'ExpectedPath' 'D:\Shares\*' | Should -BeFalse
      $run = Invoke-OperateScript @{ Operation = 'CloseOpenFile'; FileId = '4415226383569'; ExpectedPath = 'D:\Shares\*' }
      $run.ExitCode | Should -Be 24
      Should -Invoke Close-SmbOpenFile -Times 0 -Exactly
    }

    It 'fails with exit 1 when the lookup fails for another reason' {
      Mock Get-SmbOpenFile { Write-Error -Message 'Access denied' -Category PermissionDenied }
      $run = Invoke-OperateScript @{ Operation = 'CloseOpenFile'; FileId = '4415226383569'; ExpectedPath = 'D:\Shares\Finance\Q3.xlsx' }
      $run.ExitCode | Should -Be 1
      Should -Invoke Close-SmbOpenFile -Times 0 -Exactly
    }

    It 'succeeds when the file closed between the check and the close (ObjectNotFound), closing nobody''s, fails on other errors' {
      Mock Close-SmbOpenFile { Write-Error -ErrorRecord (New-SmbNotFoundError 'MSFT_SmbOpenFile' 'FileId' '4415226383569') }
      $run = Invoke-OperateScript @{ Operation = 'CloseOpenFile'; FileId = '4415226383569'; ExpectedPath = 'D:\Shares\Finance\Q3.xlsx' }
      $run.ExitCode | Should -Be 0
      $run.Envelope.stdout | Should -BeExactly '[]'
      Mock Close-SmbOpenFile { Write-Error -Message 'The network path was not found.' -Category ConnectionError }
      (Invoke-OperateScript @{ Operation = 'CloseOpenFile'; FileId = '4415226383569'; ExpectedPath = 'D:\Shares\Finance\Q3.xlsx' }).ExitCode | Should -Be 1
    }

    It 'refuses FileId <fileId> (exit 2) before any cmdlet runs' -ForEach @(
      @{ fileId = '' }
      @{ fileId = '-1' }
      @{ fileId = '18446744073709551616' }
      @{ fileId = '99999999999999999999' }
      @{ fileId = '1e3' }
      @{ fileId = '0x10' }
      @{ fileId = ' 5' }
      @{ fileId = '5,6' }
    ) {
      if ($fileId.Length -gt 0) { Test-DocumentPattern 'FileId' $fileId | Should -BeFalse }
      $run = Invoke-OperateScript @{ Operation = 'CloseOpenFile'; FileId = $fileId; ExpectedPath = 'D:\Shares\Finance\Q3.xlsx' }
      $run.ExitCode | Should -Be 2
      $run.Envelope.stderr | Should -Match 'FileId'
      Should -Invoke Get-SmbOpenFile -Times 0 -Exactly
      Should -Invoke Close-SmbOpenFile -Times 0 -Exactly
    }

    It 'compares an ExpectedPath holding '' $ % as plain text: nothing in it is expanded or evaluated' {
      # The document admits these (common in file names); the value arrives as $env:SSM_ExpectedPath
      # and only ever meets [string]::Equals. Were $(whoami), ${HOME} or %USERNAME% expanded, the
      # literal path below would no longer match.
      $literal = 'D:\Shares\Marketing\O''Brien $(whoami) ${HOME} %USERNAME% 100%.pptx'
      Test-DocumentPattern 'ExpectedPath' $literal | Should -BeTrue
      Mock Get-SmbOpenFile { New-SmbOpenFileObject $FileId[0] 8813272891441 $literal 'CONTOSO\alice' }
      $run = Invoke-OperateScript @{ Operation = 'CloseOpenFile'; FileId = '4415226383569'; ExpectedPath = $literal }
      $run.ExitCode | Should -Be 0
      Should -Invoke Close-SmbOpenFile -Times 1 -Exactly
      (ConvertFrom-Json $run.Envelope.stdout -NoEnumerate)[0].Path | Should -BeExactly $literal
    }

    It 'does not expand %USERNAME% in ExpectedPath: the file of the expanded name is another path (24)' {
      $env:USERNAME = 'alice'
      try {
        Mock Get-SmbOpenFile { New-SmbOpenFileObject $FileId[0] 8813272891441 'D:\Shares\alice.txt' 'CONTOSO\alice' }
        $run = Invoke-OperateScript @{ Operation = 'CloseOpenFile'; FileId = '4415226383569'; ExpectedPath = 'D:\Shares\%USERNAME%.txt' }
        $run.ExitCode | Should -Be 24
        Should -Invoke Close-SmbOpenFile -Times 0 -Exactly
      } finally {
        Remove-Item Env:USERNAME -ErrorAction SilentlyContinue
      }
    }

    It 'refuses ExpectedPath <label> (exit 2) before any cmdlet runs' -ForEach @(
      @{ label = 'relative'; path = 'Shares\a.txt' }
      @{ label = 'with a line break'; path = "D:\Shares\a`nb.txt" }
      @{ label = 'with a tab'; path = "D:\Shares\a`tb.txt" }
      @{ label = 'over 1,003 characters'; path = 'D:\' + ('x' * 1001) }
    ) {
      Test-DocumentPattern 'ExpectedPath' $path | Should -BeFalse -Because 'the document refuses it'
      $run = Invoke-OperateScript @{ Operation = 'CloseOpenFile'; FileId = '4415226383569'; ExpectedPath = $path }
      $run.ExitCode | Should -Be 2
      $run.Envelope.stderr | Should -Match 'ExpectedPath'
      Should -Invoke Get-SmbOpenFile -Times 0 -Exactly
      Should -Invoke Close-SmbOpenFile -Times 0 -Exactly
    }

    It 'refuses a missing ExpectedPath (exit 2) before any cmdlet runs' {
      $run = Invoke-OperateScript @{ Operation = 'CloseOpenFile'; FileId = '4415226383569' }
      $run.ExitCode | Should -Be 2
      Should -Invoke Get-SmbOpenFile -Times 0 -Exactly
    }
  }
}
