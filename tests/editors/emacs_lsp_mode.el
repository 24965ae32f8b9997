;;; emacs_lsp_mode.el --- drive lsp-mode against aix-lsp, following the README  -*- lexical-binding: t -*-
;; Run by test_emacs.py as `emacs --batch -l emacs_lsp_mode.el'.  The README's lsp-mode snippet is
;; loaded as written; the `aix-lsp' it runs is a wrapper on PATH that starts the server under test.

(require 'lsp-mode)
(require 'json)
(require 'seq)

(defvar aix-result nil)

(defun aix-record (key value)
  (setf (alist-get key aix-result) value))

(defun aix-wait (pred seconds)
  (let ((deadline (+ (float-time) seconds)) value)
    (while (and (not (setq value (funcall pred))) (< (float-time) deadline))
      (accept-process-output nil 0.1))
    value))

(defun aix-main ()
  (let ((project (file-name-directory (getenv "AIX_FILE"))))
    (setq lsp-session-file (expand-file-name "lsp-session" (getenv "HOME"))
          lsp-enable-suggest-server-download nil
          lsp-enable-file-watchers nil
          lsp-keep-workspace-alive nil
          lsp-restart 'ignore
          lsp-log-io nil
          ;; UI extras that need packages a batch Emacs lacks (they are not what is tested here)
          lsp-enable-snippet nil
          lsp-modeline-workspace-status-enable nil
          lsp-modeline-code-actions-enable nil
          lsp-modeline-diagnostics-enable nil
          lsp-headerline-breadcrumb-enable nil
          lsp-lens-enable nil
          lsp-completion-provider :none)
    (load (getenv "AIX_SNIPPET") nil t)
    (aix-record 'registered (and (gethash 'aix-lsp lsp-clients) t))
    ;; Say where the project is, instead of lsp-mode's interactive root prompt.
    (lsp-workspace-folders-add (directory-file-name project))
    (find-file (getenv "AIX_FILE"))
    (lsp)
    (let* ((workspace (or (aix-wait (lambda ()
                                      (seq-find (lambda (w) (and (eq (lsp--client-server-id (lsp--workspace-client w)) 'aix-lsp)
                                                                 (eq (lsp--workspace-status w) 'initialized)))
                                                (lsp-workspaces)))
                                    120)
                          (error "lsp-mode did not initialize aix-lsp")))
           (process (lsp--workspace-proc workspace))
           (line (string-to-number (getenv "AIX_LINE")))
           (col (string-to-number (getenv "AIX_COL"))))
      (aix-record 'pid (process-id process))
      (aix-record 'servers (mapcar (lambda (w) (symbol-name (lsp--client-server-id (lsp--workspace-client w)))) (lsp-workspaces)))
      ;; Completion-at-point (company or corfu call the same capf), retried while the model loads.
      (goto-char (point-min))
      (forward-line line)
      (move-to-column col)
      (aix-record 'capf (format "%S" completion-at-point-functions))
      (aix-record 'line_before (buffer-substring-no-properties (line-beginning-position) (line-end-position)))
      (let ((deadline (+ (float-time) 180)) (before (buffer-string)) (tries 0))
        (while (and (equal before (buffer-string)) (< (float-time) deadline))
          (setq tries (1+ tries))
          (ignore-errors (completion-at-point))
          (when (equal before (buffer-string)) (accept-process-output nil 0.5)))
        (aix-record 'completion_tries tries))
      (aix-record 'line_after (buffer-substring-no-properties (save-excursion (goto-char (point-min)) (forward-line line) (point)) (point)))
      (let ((off (lsp-request "workspace/executeCommand" (list :command "aix.toggle" :arguments [])))
            (on (lsp-request "workspace/executeCommand" (list :command "aix.toggle" :arguments []))))
        (aix-record 'toggle_off (lsp-get off :enabled))
        (aix-record 'toggle_on (lsp-get on :enabled)))
      ;; shutdown request + exit notification, then the server must exit by itself.
      (with-lsp-workspace workspace
        (setf (lsp--workspace-shutdown-action workspace) 'shutdown)
        (lsp-request "shutdown" nil)
        (lsp-notify "exit" nil))
      (aix-wait (lambda () (not (process-live-p process))) 120)
      (aix-record 'process_status (symbol-name (process-status process)))
      (aix-record 'exit_status (process-exit-status process)))))

(condition-case err
    (progn (aix-main) (aix-record 'ok t))
  (error (aix-record 'ok :json-false)
         (aix-record 'error (error-message-string err))))
(aix-record 'messages (with-current-buffer (messages-buffer) (buffer-string)))
(with-temp-file (getenv "AIX_RESULT")
  (insert (json-encode aix-result)))
(kill-emacs 0)
