/// Text captured from /proc on the development machine (Linux 6.18, x86_64, little-endian), from a Python process
/// holding IPv4 and IPv6 loopback sockets in several states (ports and inodes are those of that moment).
/// Other processes' sockets of the same network namespace appear too, as they do in real tables.
enum ProcSamples {

    /// /proc/PID/net/tcp: LISTEN, ESTABLISHED (both ends), CLOSE_WAIT, FIN_WAIT2, TIME_WAIT (inode 0).
    static let tcp = #"""
  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode                                                     
   0: 0100007F:B013 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 629432 1 00000000e9b68f2a 100 0 0 10 0                    
   1: 0100007F:B3BD 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 629435 1 00000000c1eceb27 100 0 0 10 0                    
   2: 0100007F:A1C1 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 629429 1 0000000040dd72e2 100 0 0 10 0                    
   3: 00000000:07E8 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1597 1 000000004df81390 100 0 0 10 0                      
   4: 0100007F:A1C1 0100007F:B6E2 01 00000000:00000000 00:00000000 00000000     0        0 629431 1 00000000f5102f0a 20 0 0 10 -1                    
   5: 0100007F:962E 0100007F:B3BD 06 00000000:00000000 03:00001752 00000000     0        0 0 3 000000004365614f                                      
   6: 0100007F:B67C 0100007F:95D1 01 00000000:00000000 00:00000000 00000000     0        0 629448 2 00000000ccef4f52 20 0 0 10 -1                    
   7: 0100007F:B013 0100007F:AAD0 05 00000000:00000000 03:00001752 00000000     0        0 0 3 00000000eb47d4a1                                      
   8: 0100007F:B6E2 0100007F:A1C1 01 00000000:00000000 00:00000000 00000000     0        0 629430 2 000000003b832a62 20 0 0 10 -1                    
   9: 0100007F:AAD0 0100007F:B013 08 00000000:00000001 00:00000000 00000000     0        0 629433 2 00000000d78af07a 20 4 0 10 -1                    
"""#

    /// /proc/PID/net/tcp6: the same over ::1, plus a dual-stack listener with an IPv4-mapped connection.
    static let tcp6 = #"""
  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000000000000:95D1 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 629447 1 00000000ea37f81b 100 0 0 10 0
   1: 00000000000000000000000001000000:A4CB 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 629441 1 000000009b23d78c 100 0 0 10 0
   2: 00000000000000000000000001000000:A577 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 629444 1 00000000a3955342 100 0 0 10 0
   3: 00000000000000000000000001000000:E7D5 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 629438 1 0000000030f550ec 100 0 0 10 0
   4: 00000000000000000000000001000000:8AF6 00000000000000000000000001000000:E7D5 01 00000000:00000000 00:00000000 00000000     0        0 629439 2 00000000a8db7ba1 20 0 0 10 -1
   5: 00000000000000000000000001000000:E7D5 00000000000000000000000001000000:8AF6 01 00000000:00000000 00:00000000 00000000     0        0 629440 1 00000000a2691a02 20 0 0 10 -1
   6: 00000000000000000000000001000000:C71E 00000000000000000000000001000000:A577 06 00000000:00000000 03:00001751 00000000     0        0 0 3 00000000acf8135f
   7: 00000000000000000000000001000000:86F8 00000000000000000000000001000000:A4CB 08 00000000:00000001 00:00000000 00000000     0        0 629442 2 00000000f64458fe 20 4 0 10 -1
   8: 0000000000000000FFFF00000100007F:95D1 0000000000000000FFFF00000100007F:B67C 01 00000000:00000000 00:00000000 00000000     0        0 629449 1 00000000820aa24b 20 0 0 10 -1
   9: 00000000000000000000000001000000:A4CB 00000000000000000000000001000000:86F8 05 00000000:00000000 03:00001752 00000000     0        0 0 3 0000000070a20d8a
"""#

    /// /proc/PID/net/tcp with connects pending on a listener whose backlog is full: SYN_SENT rows.
    static let tcpSynSent = #"""
  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode                                                     
   0: 00000000:07E8 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1597 1 000000004df81390 100 0 0 10 0                      
   1: 0100007F:C0DB 00000000:0000 0A 00000000:00000001 00:00000000 00000000     0        0 664072 2 0000000012bb2c0b 100 0 0 10 0                    
   2: 0100007F:BC17 0100007F:C690 06 00000000:00000000 03:00000E1C 00000000     0        0 0 3 000000002f3c75bd                                      
   3: 0100007F:94FE 0100007F:C0DB 01 00000000:00000000 00:00000000 00000000     0        0 664073 2 0000000067705a83 20 0 0 10 -1                    
   4: 0100007F:9504 0100007F:C0DB 02 00000001:00000000 01:00000045 00000000     0        0 664074 2 0000000017e5f197 100 0 0 10 -1                   
   5: 0100007F:950C 0100007F:C0DB 02 00000001:00000000 01:00000045 00000000     0        0 664075 2 00000000a3ae526c 100 0 0 10 -1                   
   6: 0100007F:950E 0100007F:C0DB 02 00000001:00000000 01:00000045 00000000     0        0 664076 2 000000009d78685e 100 0 0 10 -1                   
   7: 0100007F:BC17 0100007F:C688 06 00000000:00000000 03:00000E1C 00000000     0        0 0 3 000000005b3a8759                                      
   8: 0100007F:BC17 0100007F:C676 06 00000000:00000000 03:00000E1C 00000000     0        0 0 3 000000006420f3e5                                      
   9: 0100007F:BC17 0100007F:C674 06 00000000:00000000 03:00000E1C 00000000     0        0 0 3 00000000fa45c86e                                      
  10: 0100007F:C0DB 0100007F:94FE 01 00000000:00000000 00:00000000 00000000     0        0 0 1 000000009a9af902 20 0 0 10 -1                         
  11: 0100007F:BC17 0100007F:C67C 06 00000000:00000000 03:00000E1C 00000000     0        0 0 3 000000009765f1bf                                      
"""#

    /// /proc/PID/net/tcp6 with connects pending on a full ::1 listener: SYN_SENT rows.
    static let tcp6SynSent = #"""
  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000001000000:9187 00000000000000000000000000000000:0000 0A 00000000:00000001 00:00000000 00000000     0        0 664077 2 0000000038169f46 100 0 0 10 0
   1: 00000000000000000000000001000000:E75A 00000000000000000000000001000000:9187 01 00000000:00000000 00:00000000 00000000     0        0 664078 2 000000006b0e23da 20 0 0 10 -1
   2: 00000000000000000000000001000000:E766 00000000000000000000000001000000:9187 02 00000001:00000000 01:00000045 00000000     0        0 664079 2 00000000b413c3a1 100 0 0 10 -1
   3: 00000000000000000000000001000000:E774 00000000000000000000000001000000:9187 02 00000001:00000000 01:00000045 00000000     0        0 664080 2 00000000a18a022a 100 0 0 10 -1
   4: 00000000000000000000000001000000:E77A 00000000000000000000000001000000:9187 02 00000001:00000000 01:00000045 00000000     0        0 664081 2 000000009702d1d6 100 0 0 10 -1
   5: 00000000000000000000000001000000:9187 00000000000000000000000001000000:E75A 01 00000000:00000000 00:00000000 00000000     0        0 0 1 00000000c48e98c6 20 0 0 10 -1
"""#

    /// /proc/PID/net/udp: one unconnected socket on 127.0.0.1.
    static let udp = #"""
   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops            
 9115: 0100007F:B547 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 629450 2 0000000029d4fc21 0        
"""#

    /// /proc/PID/net/udp6: one unconnected socket on ::1.
    static let udp6 = #"""
  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops
11364: 00000000000000000000000001000000:BE10 00000000000000000000000000000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 629451 2 0000000052b77b8b 0
"""#

    /// /proc/PID/net/unix: a socketpair (inodes 629452, 629453) and two other sockets.
    static let unix = #"""
Num       RefCount Protocol Flags    Type St Inode Path
00000000a4276b1f: 00000003 00000000 00000000 0001 03  1594
000000002a4ddaca: 00000003 00000000 00000000 0001 03  1593
00000000b469e6ab: 00000003 00000000 00000000 0001 03 629453
00000000018dea46: 00000003 00000000 00000000 0001 03 629452
"""#

    /// /proc/PID/limits.
    static let limits = #"""
Limit                     Soft Limit           Hard Limit           Units     
Max cpu time              unlimited            unlimited            seconds   
Max file size             unlimited            unlimited            bytes     
Max data size             unlimited            unlimited            bytes     
Max stack size            8388608              unlimited            bytes     
Max core file size        0                    unlimited            bytes     
Max resident set          unlimited            unlimited            bytes     
Max processes             96365                96365                processes 
Max open files            20000                20000                files     
Max locked memory         8388608              8388608              bytes     
Max address space         unlimited            unlimited            bytes     
Max file locks            unlimited            unlimited            locks     
Max pending signals       96365                96365                signals   
Max msgqueue size         819200               819200               bytes     
Max nice priority         0                    0                    
Max realtime priority     0                    0                    
Max realtime timeout      unlimited            unlimited            us        
"""#

    /// /proc/PID/stat.
    static let stat = #"""
22141 (python3) R 22137 22137 21475 0 -1 4194304 2984 6550 0 0 5 1 4 1 20 0 1 0 904588 17444864 3551 18446744073709551615 94347221606400 94347221606741 140726213406640 0 0 0 0 16781312 2 0 0 0 17 1 0 0 0 0 0 94347221618096 94347221618712 94348041535488 140726213408972 140726213409020 140726213409020 140726213410767 0
"""#

    /// The descriptors of that process: `N TARGET` per line, from readlink of /proc/PID/fd/N.
    static let fdLinks = #"""
0 /dev/null
1 /tmp/bash_jobs.0/7e8e782155b4/stdout
2 /tmp/bash_jobs.0/7e8e782155b4/stderr
3 socket:[629429]
4 socket:[629430]
5 socket:[629431]
6 socket:[629432]
7 socket:[629433]
8 socket:[629435]
9 socket:[629438]
10 /dev/null
11 socket:[629439]
12 socket:[629440]
13 socket:[629441]
14 socket:[629442]
15 socket:[629444]
16 socket:[629447]
17 socket:[629448]
18 socket:[629449]
19 socket:[629450]
20 socket:[629451]
21 socket:[629452]
22 socket:[629453]
23 pipe:[629454]
24 pipe:[629454]
25 /etc/hostname
26 /tmp/doctor-capture/fd-links.txt
251 pipe:[630225]
"""#

    /// A FIN_WAIT1 row (state 04, unacknowledged data queued), captured from /proc/self/net/tcp on the same machine.
    static let finWait1Row = "  11: 0100007F:E8C4 0100007F:A7DB 04 003A0C01:00000000 04:0000006D 00000000     0        0 0 2 000000003b832a62 20 0 0 15 -1"
}
