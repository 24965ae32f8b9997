;;; emacs_eglot.el --- drive eglot against aix-lsp, following the README  -*- lexical-binding: t -*-
;; Run by test_emacs.py as `emacs --batch -l emacs_eglot.el'; parameters come from the environment,
;; the outcome goes to the JSON file $AIX_RESULT.  The README's eglot snippet is loaded as written;
;; only its program ("aix-lsp" "serve") is replaced by the server under test (this Python, tiny model).

(require 'eglot)
(require 'json)
(require 'seq)

(defvar aix-result nil "Alist written to $AIX_RESULT.")
(defvar aix-statuses nil "States of the aix/status notifications, newest first.")

(defun aix-record (key value)
  (setf (alist-get key aix-result) value))

(cl-defmethod eglot-handle-notification (_server (_method (eql aix/status)) &rest params)
  (push (plist-get params :state) aix-statuses))

(defun aix-wait (pred seconds)
  "Process events until PRED is non-nil or SECONDS pass; return PRED's value."
  (let ((deadline (+ (float-time) seconds)) value)
    (while (and (not (setq value (funcall pred))) (< (float-time) deadline))
      (accept-process-output nil 0.1))
    value))

(defun aix-main ()
  (load (getenv "AIX_SNIPPET") nil t)
  (let* ((entry (car eglot-server-programs))
         (contact (cdr entry)))
    (aix-record 'readme_contact (format "%S" contact))
    (aix-record 'workspace_configuration (format "%S" (default-value 'eglot-workspace-configuration)))
    (unless (and (memq 'python-mode (car entry)) (equal (seq-take contact 2) '("aix-lsp" "serve")))
      (error "The README's eglot entry is not first or not as expected: %S" entry))
    (setcdr entry (append (json-parse-string (getenv "AIX_SERVER_CMD") :array-type 'list)
                          (nthcdr 2 contact))))
  (find-file (getenv "AIX_FILE"))
  (apply #'eglot (eglot--guess-contact))
  (let* ((server (or (aix-wait #'eglot-current-server 120) (error "eglot did not connect")))
         (process (jsonrpc--process server))
         (line (string-to-number (getenv "AIX_LINE")))
         (col (string-to-number (getenv "AIX_COL"))))
    (aix-record 'pid (process-id process))
    (aix-wait (lambda () (seq-intersection aix-statuses '("ready" "error"))) 180)
    (aix-record 'statuses (reverse aix-statuses))
    ;; completion-at-point at the cursor, as a user would (M-TAB / C-M-i): eglot's capf offers the
    ;; item; being the only one it is inserted, and its exit function applies the item's textEdit.
    (goto-char (point-min))
    (forward-line line)
    (move-to-column col)
    (aix-record 'line_before (buffer-substring-no-properties (line-beginning-position) (line-end-position)))
    (let ((tries 0) (before (buffer-string)))
      (while (and (< tries 3) (equal before (buffer-string)))
        (setq tries (1+ tries))
        (completion-at-point))
      (aix-record 'completion_tries tries))
    (aix-record 'line_after (buffer-substring-no-properties (save-excursion (goto-char (point-min)) (forward-line line) (point)) (point)))
    ;; aix.toggle through workspace/executeCommand, twice.
    (aix-record 'toggle_off (eglot-execute-command server "aix.toggle" []))
    (aix-record 'toggle_on (eglot-execute-command server "aix.toggle" []))
    ;; The shutdown request and exit notification, as `eglot-shutdown' sends them; then wait for the
    ;; server to exit on its own (eglot 1.9's `eglot-shutdown' deletes the process right after
    ;; sending exit, which would hide whether the server exits cleanly).
    (setf (eglot--shutdown-requested server) t)
    (jsonrpc-request server :shutdown nil :timeout 120)
    (jsonrpc-notify server :exit nil)
    (aix-wait (lambda () (not (process-live-p process))) 120)
    (aix-record 'process_status (symbol-name (process-status process)))
    (aix-record 'exit_status (process-exit-status process))))

(condition-case err
    (progn (aix-main) (aix-record 'ok t))
  (error (aix-record 'ok :json-false)
         (aix-record 'error (error-message-string err))))
(aix-record 'messages (with-current-buffer (messages-buffer) (buffer-string)))
(with-temp-file (getenv "AIX_RESULT")
  (insert (json-encode aix-result)))
(kill-emacs 0)
